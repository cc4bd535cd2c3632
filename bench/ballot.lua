-- wrk script: paper ballots entered by part, each (part, matter) once across all threads.
-- PARTS names a file of part codes (one per line), MATTERS how many matters the vote has,
-- VOTE the vote's id, THREADS wrk's -t.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  parts = {}
  for line in io.lines(os.getenv("PARTS")) do
    if #line > 0 then parts[#parts + 1] = line end
  end
  matters = tonumber(os.getenv("MATTERS"))
  step = tonumber(os.getenv("THREADS"))
  path = "/api/v1/votes/" .. os.getenv("VOTE") .. "/ballots"
  k = id
  -- wrk.format replaces wrk.headers (the -H ones, Host) when given a table: keep them.
  headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
end

function request()
  local n = #parts * matters
  local i = k % n
  k = k + step
  local part = parts[(i % #parts) + 1]
  local matter = math.floor(i / #parts) + 1
  local body = string.format('{"matter":%d,"choice":"agree","part":"%s"}', matter, part)
  return wrk.format("POST", path, headers, body)
end
