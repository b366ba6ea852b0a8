"""A small EduWorld API client for the lab's tests, its benches and `./eduworld-lab api`:
signs in like the browser does (session cookie plus CSRF token) and speaks JSON to one host."""

import time
import uuid

import requests

from eduworld.core.demo_data import TEACHER_EMAIL, TEACHER_PASSWORD

from . import names


class Api:
    def __init__(self, host, timeout=5):
        self.host = host
        self.base = names.url(host)  # by name: the session cookie is the root domain's
        self.timeout = timeout
        self.session = requests.Session()

    def sign_in(self, email=TEACHER_EMAIL, password=TEACHER_PASSWORD):
        self.get("/api/auth/login/")
        body = {"email": email, "password": password}
        response = self.post("/api/auth/login/", body)
        # nginx answers one sign-in at a time per host (role nginx) and asks the others to
        # come back in a moment: do as a browser's client would. A longer wait (too many
        # failed sign-ins for this email address) is an answer, not a moment.
        for _ in range(5):
            wait = float(response.headers.get("Retry-After", 0) or 0)
            if response.status_code != 429 or not 0 < wait <= 5:
                break
            time.sleep(wait)
            response = self.post("/api/auth/login/", body)
        response.raise_for_status()
        return self

    def get(self, path, **params):
        return self.session.get(self.base + path, params=params, timeout=self.timeout)

    def post(self, path, body, idempotency_key=None):
        return self.request("POST", path, body, idempotency_key)

    def request(self, method, path, body=None, idempotency_key=None):
        """Any method; writes carry the CSRF token that sign-in set, as a browser's would."""
        return self.session.request(method, self.base + path, json=body,
                                    headers=self.write_headers(idempotency_key),
                                    timeout=self.timeout)

    def upload(self, path, fields, files, idempotency_key=None):
        """POST a form with files, as a browser's form would."""
        return self.session.post(self.base + path, data=fields, files=files,
                                 headers=self.write_headers(idempotency_key),
                                 timeout=self.timeout)

    def write_headers(self, idempotency_key=None):
        headers = {"X-CSRFToken": self.session.cookies.get("csrftoken", "")}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def create_subject(self, title):
        response = self.post("/api/nodes/", {"kind": "subject", "title": title},
                             idempotency_key=str(uuid.uuid4()))
        response.raise_for_status()
        return response.json()

    def health(self):
        try:
            response = self.get("/api/health/")
            return response.json() if response.status_code == 200 else None
        except requests.RequestException:
            return None
