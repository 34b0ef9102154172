-- wrk script: POST one page-view hit per request, as the pixel sends it (text/plain JSON),
-- each with a fresh event id. KEY, IP and RUN come from the environment (bench/run.ts sets
-- them; RUN is new for every wrk run, since Lua's unseeded math.random repeats itself and a
-- repeated event id is, rightly, never stored twice).
local key = os.getenv("BENCH_PIXEL_KEY")
local run = os.getenv("BENCH_RUN")
local threads = 0
local ip = os.getenv("BENCH_IP") or "127.0.0.1"
local counter = 0
local prefix = ""

function setup(thread)
  threads = threads + 1
  thread:set("tid", run .. string.format("%02x", threads))
end

function init(args)
  prefix = tid
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
  wrk.headers["CF-Connecting-IP"] = ip
  wrk.headers["Origin"] = "https://www.client.example"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
end

function request()
  counter = counter + 1
  local id = prefix .. string.format("%018x", counter)
  local body = '{"k":"' .. key .. '","t":"v","i":"' .. id .. '","u":"https://www.client.example/pricing","w":1280}'
  return wrk.format(nil, "/e", nil, body)
end

