-- wrk script: POST /api/v1/differential with a two-region drawing; the token comes from TAUT_TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TAUT_TOKEN")
wrk.body = '{"regions": ["temple:right", {"region": "neck-posterior:right", "intensity": 6}], "top": 10}'

-- Any answer other than 200 counts as an error in the summary line the run script reads.
local failures = 0
response = function(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("non200=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.errors.status, e.connect, e.read, e.write, e.timeout))
end
