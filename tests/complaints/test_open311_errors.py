"""Errors under /open311/ are the specification's error arrays even when no Open311 view matched."""


def test_unroutable_open311_paths_answer_with_error_arrays(client):
    for path in (
        "/open311/v2/tokens/a%0Ab.json",
        "/open311/v2/requests/x%0A.json",
        "/open311/v3/nothing.json",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert isinstance(r.json, list) and r.json[0]["code"] == 404 and r.json[0]["description"], path


def test_method_not_allowed_on_open311_is_an_error_array(client):
    r = client.delete("/open311/v2/services.json")
    assert r.status_code == 405 and isinstance(r.json, list) and r.json[0]["code"] == 405


def test_the_rest_of_the_api_keeps_the_one_error_body(client):
    r = client.get("/api/v1/nothing%0Ahere")
    assert r.status_code == 404 and r.json["reason"] == "not_found"
