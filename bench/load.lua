-- Mixed traffic for bench/load.py: 80 % reads, 15 % replies, 5 % votes.
--
--   wrk -t2 -c8 -d600s --latency -s bench/load.lua http://127.0.0.1:8731 -- DATA PHASE
--
-- DATA is a Lua file written by bench/load.py (sessions with their CSRF tokens, the pages
-- to read, the posts to reply to, the vote URL); PHASE ("warm" or "main") goes into every
-- reply's form token, so the database check can count the replies of the measured run.
-- Every request carries `X-Forwarded-Proto: https`, as the TLS proxy in front of
-- gunicorn would, and an `X-Load` header naming its kind, which gunicorn's access log
-- records: per-kind latency and status counts are read server-side from that log.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  data = dofile(args[1])
  phase = args[2] or "main"
  math.randomseed(id * 7919 + (phase == "main" and 17 or 0))
  -- This thread's posters: every nth session, so two wrk threads never share a member
  -- and each member posts once per round (the reply rate limit is 5 s per member).
  mine = {}
  for i = id, #data.sessions, data.threads do
    mine[#mine + 1] = data.sessions[i]
  end
  -- The main run starts half a round on from the warm-up, so nobody posts twice in a row.
  cursor = phase == "main" and math.floor(#mine / 2) or 0
  origin = "https://" .. wrk.headers["Host"]
  seq, reads, posts, votes = 0, 0, 0, 0
end

local function headers(kind, session)
  local h = { ["X-Forwarded-Proto"] = "https", ["X-Load"] = kind }
  if session then
    h["Cookie"] = "sessionid=" .. session[1] .. "; csrftoken=" .. session[2]
  end
  return h
end

local function pick(list)
  return list[math.random(#list)]
end

local function read()
  reads = reads + 1
  local r, page = math.random(), nil
  for _, p in ipairs(data.pages) do
    page = p
    r = r - p.weight
    if r < 0 then break end
  end
  local session = nil
  if math.random() < data.member_share then
    session = pick(data.sessions)
  end
  local role = session and "member" or "anon"
  return wrk.format("GET", pick(page.urls), headers("read:" .. page.name .. ":" .. role, session))
end

local function form(session, kind, path, body)
  local h = headers(kind, session)
  h["Content-Type"] = "application/x-www-form-urlencoded"
  h["X-CSRFToken"] = session[2]
  h["Origin"] = origin
  return wrk.format("POST", path, h, body)
end

local function post()
  posts = posts + 1
  cursor = cursor % #mine + 1
  seq = seq + 1
  local target = pick(data.replies)
  local token = "load-" .. phase .. "-" .. id .. "-" .. seq
  local body = "parent=" .. target[2] .. "&token=" .. token .. "&body=" .. pick(data.bodies)
  return form(mine[cursor], "post", target[1], body)
end

local function vote()
  votes = votes + 1
  local body = "choice=" .. pick(data.choices)
  if math.random() < 0.3 then
    body = body .. "&reason=" .. pick(data.reasons)
  end
  return form(pick(mine), "vote", data.vote_url, body)
end

function request()
  local r = math.random()
  if r < data.mix.read then
    return read()
  elseif r < data.mix.read + data.mix.post then
    return post()
  end
  return vote()
end

function done(summary, latency, requests)
  local sent = { read = 0, post = 0, vote = 0 }
  for _, t in ipairs(threads) do
    sent.read = sent.read + t:get("reads")
    sent.post = sent.post + t:get("posts")
    sent.vote = sent.vote + t:get("votes")
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, '
      .. '"sent": {"read": %d, "post": %d, "vote": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean,
    sent.read, sent.post, sent.vote
  ))
end
