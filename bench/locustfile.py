"""The users of `make loadtest` (bench/loadtest.py writes their plan and runs locust).

Each simulated user works as one account of the plan (``LOCUST_PLAN``, a JSON file): a
social worker, a station lead, an agency administrator, county, city and province
officers, an evaluator, the audit administrator… each on what that role opens every day.
Those who record work write through the API (visits, activities, case entries) with the
session's CSRF token and an Idempotency-Key, as the phone app does, so that about a fifth
of all requests are writes. ``LOCUST_MODE=writers``: every user only writes visits. The accounts' sessions are opened
before the run (their cookies in the plan); a plan without them logs in first.
"""

import json
import os
import random
import re
import uuid
from http.cookiejar import Cookie
from urllib.parse import urlsplit

from locust import FastHttpUser, constant, events, task

PLAN = json.loads(open(os.environ["LOCUST_PLAN"], encoding="utf-8").read())
MODE = os.environ.get("LOCUST_MODE", "mixed")
WRITE_SHARE = float(os.environ.get("LOCUST_WRITE_SHARE", "0.2"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_next = iter(range(10**9))


class Staff(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user asks again as soon as answered

    def on_start(self):
        accounts = PLAN["writers"] if MODE == "writers" else PLAN["users"]
        self.account = accounts[next(_next) % len(accounts)]
        if self.account.get("cookies"):
            self._resume(self.account["cookies"])
        else:
            self._login()
        writes = self.account.get("writes") or {}
        self.writes = [w for w in ("visit", "activity", "entry") if writes.get(w)]
        # the share of this user's requests that write, so that the whole mix has about
        # WRITE_SHARE writes: only some users record work
        self.write_share = min(1.0, WRITE_SHARE * PLAN["users_total"] / PLAN["writers_total"])

    def _resume(self, cookies: dict):
        """Go on in the session bench/loadtest.py opened before the run (a login is a
        password check costing a second of CPU by design: measured apart, not in the mix)."""
        host = urlsplit(self.host).hostname
        for name, value in cookies.items():
            self.client.cookiejar.set_cookie(
                Cookie(
                    0,
                    name,
                    value,
                    None,
                    False,
                    host,
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )

    def _login(self):
        page = self.client.get("/accounts/login/", name="login page")
        token = TOKEN.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login {self.account['username']}: {answer.status_code}")

    def _csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def _post(self, path: str, body: dict, name: str):
        with self.client.post(
            path,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self._csrf(),
                "Referer": self.host + "/",
                "Idempotency-Key": uuid.uuid4().hex,
            },
            name=name,
            catch_response=True,
        ) as answer:
            if answer.status_code not in (200, 201):
                answer.failure(f"{name} {answer.status_code}: {answer.text[:300]}")

    def write(self):
        a = self.account
        kind = random.choice(self.writes)
        day = random.choice(a["days"])
        if kind == "visit":
            self._post(
                "/api/visits",
                {
                    "date": day,
                    "region": a["writes"]["village"],
                    "recipient": random.choice(a["writes"]["recipients"]),
                    "workers": [a["id"]],
                    "hours": "0.25",
                    "situation": "压力测试走访：老人身体状况稳定，家中整洁。",
                    "long_day_reason": "压力测试集中登记",
                },
                "API write: visit",
            )
        elif kind == "activity":
            self._post(
                "/api/activities",
                {
                    "title": "压力测试社区活动",
                    "domain": "elderly",
                    "service_type": "care",
                    "date": day,
                    "region": a["writes"]["village"],
                    "workers": [a["id"]],
                    "hours": "0.25",
                    "participants_count": 12,
                    "participants": [],
                    "volunteers_count": 2,
                    "long_day_reason": "压力测试集中登记",
                },
                "API write: activity",
            )
        else:
            case = random.choice(a["writes"]["entry"])
            self._post(
                f"/api/cases/{case}/steps/entry",
                {
                    "date": day,
                    "hours": "0.25",
                    "in_village": True,
                    "content": "压力测试介入记录：电话随访，情况平稳。",
                    "long_day_reason": "压力测试集中登记",
                },
                "API write: case entry",
            )

    @task
    def next_request(self):
        if self.writes and (MODE == "writers" or random.random() < self.write_share):
            self.write()
            return
        path, name = random.choice(self.account["reads"])
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{name} {answer.status_code}")


@events.quitting.add_listener
def _no_failures_is_the_target(environment, **_kw):
    environment.process_exit_code = 0  # loadtest.py reads the figures and judges them
