def test_health_names_the_host_and_its_database(client, db):
    body = client.get("/api/health/").json()
    assert body["host"] == "testhost"
    assert body["database"]["ok"] is True
    assert body["replication"] is None
