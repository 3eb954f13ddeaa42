-- wrk: POST /api/v1/auth/login with the demo citizen's credentials
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "1272015203959001", "password": "siantar-demo-2026"}'
