-- wrk: the acquirer's signed QRIS notifications, one per invoice, each sent once. Each line of
-- PAYMENTS_NOTIFICATIONS is "<X-TIMESTAMP>\t<X-SIGNATURE>\t<X-EXTERNAL-ID>\t<minified JSON body>",
-- signed by bench/payments_load.py with the bench acquirer's key; thread n sends lines n, n+T, n+2T …   PAYMENTS_THREADS = wrk's -t

local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local nthreads = tonumber(os.getenv("PAYMENTS_THREADS"))
   lines = {}
   local i = 0
   for line in io.lines(os.getenv("PAYMENTS_NOTIFICATIONS")) do
      if i % nthreads == id - 1 then
         table.insert(lines, line)
      end
      i = i + 1
   end
   sent = 0
end

function request()
   sent = sent + 1
   if sent > #lines then
      sent = 1 -- all sent: again from the first (duplicates, answered 200 and not counted as paid)
   end
   local ts, sig, ext, body = lines[sent]:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
   return wrk.format("POST", "/api/v1/payments/notify/qris", {
      ["Content-Type"] = "application/json",
      ["X-TIMESTAMP"] = ts,
      ["X-SIGNATURE"] = sig,
      ["X-EXTERNAL-ID"] = ext,
      ["X-PARTNER-ID"] = "PEMKOSIANTAR",
      ["CHANNEL-ID"] = "95221",
   }, body)
end
