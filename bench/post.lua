-- wrk script: POST a JSON body (set by the caller through the BODY environment variable).
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
