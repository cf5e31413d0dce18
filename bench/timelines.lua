-- Timelines of many different patients, in turn: the ids come one per line from the file named by IDS.
local ids = {}
for line in io.lines(os.getenv("IDS")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/v1/patients/" .. ids[i] .. "/timeline")
end
