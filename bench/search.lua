-- Patient searches as a front desk types them: a surname, a fragment of one, a given name, an MRN fragment, a
-- two-letter start.
local queries = { "lindberg", "kov", "chloe", "salres", "demo-", "0001234", "ab", "torsi", "petsen", "nakamura" }
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/patients?limit=20&q=" .. queries[i])
end
