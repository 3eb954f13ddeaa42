-- wrk: OSS pushing NIBs to receiveNIB. Each wrk thread sends its own slice of the pre-generated pushes
-- (one line each: "<Token>\t<json body>"; the Token is SHA1(username + password + nib + Ymd), which wrk's
-- Lua cannot compute, so bench/permits_load.py signs them beforehand). Status counts go to
-- PERMITS_STATUS_FILE at the end, with how many pushes had to be repeated (a repeat is a duplicate push).
--   PERMITS_BODIES  path of the pushes file        PERMITS_THREADS  wrk's -t

local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local nthreads = tonumber(os.getenv("PERMITS_THREADS"))
   tokens, bodies = {}, {}
   local i = 0
   for line in io.lines(os.getenv("PERMITS_BODIES")) do
      if i % nthreads == id - 1 then
         local tab = line:find("\t", 1, true)
         table.insert(tokens, line:sub(1, tab - 1))
         table.insert(bodies, line:sub(tab + 1))
      end
      i = i + 1
   end
   sent, reused, statuses = 0, 0, {}
end

function request()
   sent = sent + 1
   local n = sent
   if n > #bodies then
      reused = reused + 1
      n = (n - 1) % #bodies + 1
   end
   local headers = { ["Content-Type"] = "application/json", ["Token"] = tokens[n] }
   return wrk.format("POST", "/api/v1/permits/oss/receiveNIB", headers, bodies[n])
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
   local out = io.open(os.getenv("PERMITS_STATUS_FILE"), "w")
   for status, count in pairs(totals) do
      out:write(status .. " " .. count .. "\n")
   end
   out:write("reused " .. reuses .. "\n")
   out:close()
end
