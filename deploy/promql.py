"""Small PromQL client over Prometheus' HTTP API, for the deployment tests (stdlib only)."""
import json
import time
import urllib.parse
import urllib.request


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _get(self, path, **params):
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = json.load(resp)
        if body.get("status") != "success":
            raise RuntimeError(f"{url}: {body}")
        return body["data"]

    def query(self, expr, at=None):
        """Instant vector (or scalar) as a list of (labels, value)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self._get("/api/v1/query", **params)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def query_range(self, expr, start, end, step):
        # nocache: VictoriaMetrics would otherwise align start and end to the step and answer from
        # its cache (Prometheus ignores the parameter).
        data = self._get("/api/v1/query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=str(step), nocache="1")
        return [(r["metric"], [float(v) for _, v in r["values"]]) for r in data["result"]]

    def samples(self, selector, seconds, at):
        """The raw samples of selector in the `seconds` before `at`: a list of (labels, [(time, value)])."""
        data = self._get("/api/v1/query", query=f"{selector}[{seconds}s]", time=f"{at:.3f}")
        return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]

    def wait(self, expr, predicate, timeout, what):
        """Polls expr until predicate(result) holds; bounded by timeout seconds."""
        deadline = time.monotonic() + timeout
        result = []
        while True:
            result = self.query(expr)
            if predicate(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not reached after {timeout} s; last result of {expr}: {result}")
            time.sleep(1)
