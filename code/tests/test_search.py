"""Full-text search: ranked, stemmed per language, backed by the GIN index."""

from django.db import connection

from .helpers import create


def titles(api, q):
    response = api.get("/api/search/", {"q": q})
    assert response.status_code == 200, response.content
    return [hit["title"] for hit in response.json()["results"]]


def curriculum(api):
    subject = create(api, "subject", "Science")
    course = create(api, "course", "Water", subject["id"])
    unit = create(api, "unit", "Weather", course["id"])
    create(api, "lesson", "Rain gauges", unit["id"], body="Build a gauge from a bottle.")
    create(api, "lesson", "Clouds", unit["id"], body="When droplets grow heavy, rain falls.")
    create(api, "lesson", "Wind", unit["id"], tags=["rain"], body="Air moves.")
    create(api, "lesson", "Dijken langs de rivieren", unit["id"], language="nl",
           body="De rivieren stromen naar zee.")


# --8<-- [start:ranking]
def test_title_matches_rank_above_tag_matches_above_body_matches(api):
    curriculum(api)
    assert titles(api, "rain") == ["Rain gauges", "Wind", "Clouds"]
# --8<-- [end:ranking]


def test_english_words_are_stemmed(api):
    curriculum(api)
    assert titles(api, "gauge") == ["Rain gauges"]
    assert "Clouds" in titles(api, "droplet")


def test_dutch_words_are_stemmed_in_dutch(api):
    curriculum(api)
    assert titles(api, "rivier") == ["Dijken langs de rivieren"]
    assert titles(api, "dijk") == ["Dijken langs de rivieren"]


def test_search_shows_only_what_the_teacher_may_see(api, client_for, other_teacher):
    curriculum(api)
    assert titles(client_for(other_teacher), "rain") == []


def test_search_without_words_is_a_clear_400(api):
    response = api.get("/api/search/", {"q": "  "})
    assert response.status_code == 400
    assert "q" in response.json()


def test_search_syntax_of_any_kind_never_fails(api):
    curriculum(api)
    for q in ['"rain', "rain -gauge", "or or", "!!!", "(((", "a & b | c", "'"]:
        assert api.get("/api/search/", {"q": q}).status_code == 200, q


def test_search_uses_the_gin_index(api):
    curriculum(api)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM curriculum_node WHERE "
            "eduworld_search_document(language, title, body, tags) "
            "@@ websearch_to_tsquery('english', 'rain')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "node_search" in plan, plan
