-- Patient searches that a front desk types: surname fragments, MRN fragments, a short prefix.
local queries = { "berg", "ferro", "hosh", "demo-a", "demo-1f", "jan", "ca", "galvin", "ilves", "demo-00" }
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/patients?limit=20&q=" .. queries[i])
end
