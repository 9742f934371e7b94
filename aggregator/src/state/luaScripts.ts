/**
 * Lua scripts that make the aggregation state transitions atomic in Redis, so concurrent requests
 * and several aggregator processes sharing one Redis can never double count a signature or move a
 * task twice. Stakes are uint96, beyond Lua's exact doubles, so they travel as decimal strings and
 * are added in 9-digit limbs; the quorum test compares against precomputed per-quorum minimums
 * (ceil(total·bps/10000)), which is exactly signed·10000 ≥ total·bps for integers.
 */

const DECIMAL_HELPERS = `
local function dadd(a, b)
  local parts = {}
  local carry = 0
  local ia, ib = #a, #b
  while ia > 0 or ib > 0 or carry > 0 do
    local sa = 0
    local sb = 0
    if ia > 0 then sa = tonumber(string.sub(a, math.max(1, ia - 8), ia)) end
    if ib > 0 then sb = tonumber(string.sub(b, math.max(1, ib - 8), ib)) end
    local s = sa + sb + carry
    carry = math.floor(s / 1000000000)
    s = s - carry * 1000000000
    table.insert(parts, 1, s)
    ia = ia - 9
    ib = ib - 9
  end
  if #parts == 0 then return '0' end
  local out = string.format('%d', parts[1])
  for k = 2, #parts do out = out .. string.format('%09d', parts[k]) end
  return out
end
local function dge(a, b)
  if #a ~= #b then return #a > #b end
  return a >= b
end
`;

/**
 * accept: KEYS task, resp, outputs, signed, leaf (the operators' batch leaves of the task); ARGV
 * operatorId, outputHash, entry, outputHex, nowMs, n, stake_1..n, required_1..n, receivedAtMs (when
 * the response reached the aggregator; recorded as quorumSignatureAtMs when it completes the quorum).
 * Returns {'unknown'} | {'closed'} | {'duplicate'} | {'conflict'} | {'accepted' | 'equivocation',
 * reached ('1' when this response moved the task to 'quorum'), signed_1..n}. 'equivocation': the
 * operator's batch leaf for the task names another output; the response is still recorded and
 * counted (it is slashing evidence should the leaf's output be accepted).
 */
export const ACCEPT_SCRIPT = `${DECIMAL_HELPERS}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'unknown'} end
if st == 'finalised' or st == 'expired' then return {'closed'} end
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if prev then
  if string.sub(prev, 1, #ARGV[2]) == ARGV[2] then return {'duplicate'} end
  return {'conflict'}
end
local kind = 'accepted'
local leaf = redis.call('HGET', KEYS[5], ARGV[1])
if leaf and string.sub(leaf, 1, #ARGV[2]) ~= ARGV[2] then kind = 'equivocation' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[4])
local n = tonumber(ARGV[6])
local out = {kind, '0'}
local all = true
for i = 1, n do
  local f = ARGV[2] .. ':' .. (i - 1)
  local cur = redis.call('HGET', KEYS[4], f) or '0'
  local nv = dadd(cur, ARGV[6 + i])
  redis.call('HSET', KEYS[4], f, nv)
  out[#out + 1] = nv
  if not dge(nv, ARGV[6 + n + i]) then all = false end
end
if all and st == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'quorum', 'quorumOutput', ARGV[2], 'quorumAtMs', ARGV[5], 'quorumSignatureAtMs', ARGV[7 + 2 * n])
  out[2] = '1'
end
return out
`;

/**
 * create: KEYS task, open set, recent zset, the task index of its creation block; ARGV id, then
 * field/value pairs. Creates the task hash only when absent (a second aggregator or a re-scan changes
 * nothing); the block index gets the id either way, in the same step, so a task in Redis is always in
 * its block's index (canonical batch boundaries, canonicalBatches.ts). Returns 1 when created.
 */
export const CREATE_SCRIPT = `
redis.call('SADD', KEYS[4], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[1])
return 1
`;

/**
 * close: KEYS task, open set; ARGV id, status ('finalised' | 'expired'), then field/value pairs.
 * Moves a known, still open task to a final status; returns 1 when it moved, 0 otherwise.
 */
export const CLOSE_SCRIPT = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st or st == 'finalised' or st == 'expired' then return 0 end
local fields = {'status', ARGV[2]}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * quorum: KEYS task; ARGV outputHash, nowMs. Moves a pending task to 'quorum' (used by the
 * start-up re-scan); returns 1 when it moved.
 */
export const QUORUM_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'quorum', 'quorumOutput', ARGV[1], 'quorumAtMs', ARGV[2])
return 1
`;

/**
 * batchAccept: one signed batch (POST /v1/batches) in one round trip.
 * KEYS: batch meta, batch sigs, batch roots, batch signed, set of batches at quorum, then for each
 * task i of the batch: task, task resp, task leaf, task outputs (4 keys each).
 * ARGV: operatorId, root, sigEntry ("root,x,y"), batchId, nowMs, receivedAtMs, ttlSeconds,
 * referenceBlock, taskIds (comma-joined), taskHashes (comma-joined), rootLeaves (output hashes,
 * comma-joined, '-' = abstain), n (tasks), q (quorums), stake_1..q, required_1..q, then per task
 * outputHash ('-' = abstain), outputHex ('' for abstain).
 *
 * Returns {'unknown', index} | {'closed'} (every task closed) | {'duplicate'} (same root) |
 * {'conflict'} (a different root for the batch: nothing recorded) | {'mismatch'} (the batch is
 * recorded with another task list: nothing recorded; the ingest admits only the canonical list, so
 * this guards the record against state written otherwise) |
 * {'accepted' | 'equivocation', reached ('1' when this signature moved the batch to 'quorum'),
 * equivocating task indexes (comma-joined)}. 'equivocation' means the operator signed alone, or in
 * another batch, a different output for a task than its leaf here: the batch signature is still
 * recorded (it is slashing evidence) and counted.
 */
export const BATCH_ACCEPT_SCRIPT = `${DECIMAL_HELPERS}
local op = ARGV[1]
local root = ARGV[2]
local prev = redis.call('HGET', KEYS[2], op)
if prev then
  if string.sub(prev, 1, #root) == root then return {'duplicate'} end
  return {'conflict'}
end
local recorded = redis.call('HGET', KEYS[1], 'taskIds')
if recorded and recorded ~= ARGV[9] then return {'mismatch'} end
local n = tonumber(ARGV[12])
local q = tonumber(ARGV[13])
local base = 13 + 2 * q
local closed = 0
for i = 1, n do
  local st = redis.call('HGET', KEYS[5 + 4 * (i - 1) + 1], 'status')
  if not st then return {'unknown', tostring(i - 1)} end
  if st == 'finalised' or st == 'expired' then closed = closed + 1 end
end
if closed == n then return {'closed'} end
local equiv = {}
local batchId = ARGV[4]
for i = 1, n do
  local k = 5 + 4 * (i - 1)
  local oh = ARGV[base + 2 * (i - 1) + 1]
  if oh ~= '-' then
    local r = redis.call('HGET', KEYS[k + 2], op)
    local bad = false
    if r and string.sub(r, 1, #oh) ~= oh then bad = true end
    local l = redis.call('HGET', KEYS[k + 3], op)
    if l then
      if string.sub(l, 1, #oh) ~= oh then bad = true end
    else
      redis.call('HSET', KEYS[k + 3], op, oh .. ',' .. batchId)
    end
    if bad then equiv[#equiv + 1] = tostring(i - 1) end
    redis.call('HSETNX', KEYS[k + 4], oh, ARGV[base + 2 * (i - 1) + 2])
  end
end
redis.call('HSET', KEYS[2], op, ARGV[3])
redis.call('HSETNX', KEYS[3], root, ARGV[11])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'status', 'collecting', 'referenceBlock', ARGV[8], 'taskIds', ARGV[9], 'taskHashes', ARGV[10], 'createdAtMs', ARGV[5])
end
local all = true
for i = 1, q do
  local f = root .. ':' .. (i - 1)
  local cur = redis.call('HGET', KEYS[4], f) or '0'
  local nv = dadd(cur, ARGV[13 + i])
  redis.call('HSET', KEYS[4], f, nv)
  if not dge(nv, ARGV[13 + q + i]) then all = false end
end
local reached = '0'
if all and redis.call('HGET', KEYS[1], 'status') == 'collecting' then
  redis.call('HSET', KEYS[1], 'status', 'quorum', 'quorumRoot', root, 'quorumAtMs', ARGV[5], 'quorumSignatureAtMs', ARGV[6])
  redis.call('SADD', KEYS[5], batchId)
  reached = '1'
end
local ttl = tonumber(ARGV[7])
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ttl) end
local kind = 'accepted'
if #equiv > 0 then kind = 'equivocation' end
return {kind, reached, table.concat(equiv, ',')}
`;

/**
 * batchFinish: KEYS batch meta, set of batches at quorum; ARGV batchId, status ('done' | 'failed'),
 * then field/value pairs. Ends the submission of a batch at quorum; returns 1 when it moved.
 */
export const BATCH_FINISH_SCRIPT = `
local st = redis.call('HGET', KEYS[1], 'status')
redis.call('SREM', KEYS[2], ARGV[1])
if st ~= 'quorum' then return 0 end
local fields = {'status', ARGV[2]}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
return 1
`;

/**
 * sendClaim: KEYS the send markers (`<ns>:task:<id>:sending`) of the n tasks a transaction is about
 * to answer, then, when ARGV[3] is '1', the n task hashes; ARGV owner ('task' for respondToTask,
 * 'batch:<batchId>' for respondToBatch), leaseMs, checkOpen.
 * All or nothing: returns {'held', index, holder} (0-based) when a marker is held by another owner,
 * {'closed', index} when checkOpen and a task is already finalised or expired here (nothing to send),
 * else sets every marker to owner with the lease and returns {}. The same owner may claim again (a
 * retried job, or a second aggregator process sending the same batch, as before). The lease bounds how
 * long a crashed sender can hold a task back.
 */
export const SEND_CLAIM_SCRIPT = `
local check = ARGV[3] == '1'
local n = #KEYS
if check then n = n / 2 end
for i = 1, n do
  local v = redis.call('GET', KEYS[i])
  if v and v ~= ARGV[1] then return {'held', tostring(i - 1), v} end
  if check then
    local st = redis.call('HGET', KEYS[n + i], 'status')
    if st == 'finalised' or st == 'expired' then return {'closed', tostring(i - 1)} end
  end
end
for i = 1, n do redis.call('SET', KEYS[i], ARGV[1], 'PX', tonumber(ARGV[2])) end
return {}
`;

/** sendRelease: KEYS send markers; ARGV owner. Deletes the markers still held by owner; returns how many. */
export const SEND_RELEASE_SCRIPT = `
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    n = n + 1
  end
end
return n
`;
