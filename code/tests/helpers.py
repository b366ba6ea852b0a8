def create(api, kind, title, parent=None, **fields):
    response = api.post("/api/nodes/", {"kind": kind, "title": title, "parent": parent, **fields},
                        format="json")
    assert response.status_code == 201, response.content
    return response.json()


def lesson_path(api, **lesson_fields):
    """subject > course > unit > lesson, returned as a dict of the four nodes."""
    subject = create(api, "subject", "Science")
    course = create(api, "course", "Water", subject["id"])
    unit = create(api, "unit", "Weather", course["id"])
    lesson = create(api, "lesson", "Clouds", unit["id"], **lesson_fields)
    return {"subject": subject, "course": course, "unit": unit, "lesson": lesson}
