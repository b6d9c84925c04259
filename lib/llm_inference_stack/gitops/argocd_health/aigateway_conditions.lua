-- Argo CD health check for Envoy AI Gateway's AIGatewayRoute and AIServiceBackend
-- (aigateway.envoyproxy.io/v1beta1), shipped by llm-inference-stack (`llm-stack argocd-health`).
--
-- What the controller writes (envoyproxy/ai-gateway v1.0.0 and v1.1.0, internal/controller/controller.go
-- newConditions): after every reconcile it replaces status.conditions with exactly one condition,
--   type Accepted,    status True,  reason ReconciliationSucceeded                          -> Healthy
--   type NotAccepted, status False, reason ReconciliationFailed                             -> Degraded
-- and the message says why (an AIGatewayRoute naming an AIServiceBackend that does not exist, two
-- BackendSecurityPolicies on one AIServiceBackend, ...). No status yet -> Progressing. The controller sets no
-- observedGeneration, so a status written for an earlier spec cannot be told apart; a condition that does
-- carry one from an earlier generation counts as Progressing.
-- Argo CD runs this without the Lua standard libraries (no string library): only base and table functions.

local hs = {}
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local conditions = nil
if obj.status ~= nil then
  conditions = obj.status.conditions
end

if conditions == nil or #conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the AI Gateway controller to reconcile the " .. obj.kind
  return hs
end

local verdict = nil
for _, condition in ipairs(conditions) do
  local detail = condition.message or condition.reason or condition.type
  if generation ~= nil and condition.observedGeneration ~= nil and condition.observedGeneration ~= generation then
    verdict = verdict or { status = "Progressing", message = "The AI Gateway controller has not reconciled generation "
      .. tostring(generation) .. " yet (its status is of generation " .. tostring(condition.observedGeneration) .. ")" }
  elseif condition.type == "NotAccepted" or (condition.type == "Accepted" and condition.status == "False") then
    hs.status = "Degraded"
    hs.message = detail
    return hs
  elseif condition.type == "Accepted" and condition.status == "True" then
    verdict = verdict or { status = "Healthy", message = detail }
  end
end

if verdict == nil then
  verdict = { status = "Progressing", message = "Waiting for the AI Gateway controller to accept the " .. obj.kind }
end
hs.status = verdict.status
hs.message = verdict.message
return hs
