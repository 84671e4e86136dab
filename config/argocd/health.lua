-- Argo CD health of a jobs.cloudjob.io/CloudJob, read from the conditions that
-- cloudjob-operator writes:
--   Stalled=True or Succeeded=False          -> Degraded (the job failed or needs help)
--   Ready=True                               -> Healthy (the job succeeded)
--   Reconciling=True, reason AwaitingPayment -> Suspended (an order waits to be paid)
--   anything else                            -> Progressing
-- A condition counts only when it describes the current metadata.generation: after
-- a spec change the old verdict no longer holds until the operator has looked.
-- Only Lua's base library is used, since that is all Argo CD opens for a check
-- configured in argocd-cm.

local hs = {}

local function progressing(message)
  hs.status = "Progressing"
  hs.message = message
  return hs
end

local function text(condition)
  if condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  return condition.reason or ""
end

local generation = nil
if obj.metadata ~= nil and type(obj.metadata.generation) == "number" then
  generation = obj.metadata.generation
end

local status = obj.status
if status == nil then
  return progressing("Waiting for cloudjob-operator to observe the CloudJob")
end

local observed = status.observedGeneration
if type(observed) == "number" and observed < 0 then
  return progressing("Waiting for cloudjob-operator to observe the CloudJob")
end

-- stale is the older generation that the status or a condition describes, if any.
local stale = nil
if type(observed) == "number" and generation ~= nil and observed < generation then
  stale = observed
end

local conditions = {}
if stale == nil and status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    local og = condition.observedGeneration
    if type(og) == "number" and generation ~= nil and og < generation then
      stale = og
    elseif condition.type ~= nil then
      conditions[condition.type] = condition
    end
  end
end

local function holds(type_, value)
  local condition = conditions[type_]
  return condition ~= nil and condition.status == value
end

if holds("Stalled", "True") then
  hs.status = "Degraded"
  hs.message = text(conditions["Stalled"])
  return hs
end

if holds("Succeeded", "False") then
  hs.status = "Degraded"
  hs.message = text(conditions["Succeeded"])
  return hs
end

if holds("Ready", "True") then
  hs.status = "Healthy"
  hs.message = text(conditions["Ready"])
  return hs
end

if holds("Reconciling", "True") and conditions["Reconciling"].reason == "AwaitingPayment" then
  hs.status = "Suspended"
  hs.message = text(conditions["Reconciling"])
  return hs
end

if stale ~= nil then
  return progressing("Waiting for cloudjob-operator to observe generation " .. generation ..
    " of the CloudJob; the status describes generation " .. stale)
end

if holds("Reconciling", "True") then
  return progressing(text(conditions["Reconciling"]))
end

if conditions["Ready"] ~= nil and text(conditions["Ready"]) ~= "" then
  return progressing(text(conditions["Ready"]))
end

if type(observed) ~= "number" then
  return progressing("Waiting for cloudjob-operator to observe the CloudJob")
end
return progressing("Waiting for cloudjob-operator to report the cloud job's state")
