-- wrk: citizens' apps POSTing complaints. Each wrk thread posts its own slice of the pre-generated
-- bodies (one line each: "<citizen index from 0>\t<json body>"), each with that citizen's Bearer token and a
-- fresh Idempotency-Key. Status counts go to COMPLAINTS_STATUS_FILE at the end.
--   COMPLAINTS_BODIES  path of the bodies file        COMPLAINTS_TOKENS  one access token per line
--   COMPLAINTS_THREADS wrk's -t                       COMPLAINTS_NONCE   makes the idempotency keys unique per run

local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local nthreads = tonumber(os.getenv("COMPLAINTS_THREADS"))
   tokens = {}
   for line in io.lines(os.getenv("COMPLAINTS_TOKENS")) do
      table.insert(tokens, line)
   end
   bodies, owners = {}, {}
   local i = 0
   for line in io.lines(os.getenv("COMPLAINTS_BODIES")) do
      if i % nthreads == id - 1 then
         local tab = line:find("\t", 1, true)
         table.insert(owners, tonumber(line:sub(1, tab - 1)))
         table.insert(bodies, line:sub(tab + 1))
      end
      i = i + 1
   end
   key_prefix = os.getenv("COMPLAINTS_NONCE") .. "-" .. id .. "-"
   sent, reused, statuses = 0, 0, {}
end

function request()
   sent = sent + 1
   local n = sent
   if n > #bodies then
      -- Out of bodies: start over (the same text again is simply another complaint).
      reused = reused + 1
      n = (n - 1) % #bodies + 1
   end
   local headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. tokens[owners[n] + 1],
      ["Idempotency-Key"] = key_prefix .. sent,
   }
   return wrk.format("POST", "/api/v1/complaints", headers, bodies[n])
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local totals, reuses = {}, 0
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + count
      end
      reuses = reuses + thread:get("reused")
   end
   local out = io.open(os.getenv("COMPLAINTS_STATUS_FILE"), "w")
   for status, count in pairs(totals) do
      out:write(status .. " " .. count .. "\n")
   end
   out:write("reused " .. reuses .. "\n")
   out:close()
end
