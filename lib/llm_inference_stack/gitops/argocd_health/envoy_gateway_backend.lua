-- Argo CD health check for Envoy Gateway's Backend (gateway.envoyproxy.io/v1alpha1), shipped by
-- llm-inference-stack (`llm-stack argocd-health`).
--
-- What the controller writes (envoyproxy/gateway v1.9.0, internal/gatewayapi/backend.go ProcessBackends and
-- internal/gatewayapi/status/backend.go): status.conditions, each with observedGeneration,
--   type Accepted, status True, "The Backend was accepted"                                   -> Healthy
--   status False, "The Backend was not accepted: <why>" (an endpoint hostname of one label,
--   an IP address as hostname, TLS without a CA, the Backend API disabled, ...)              -> Degraded
-- v1.9.0 writes the failing condition with type "Invalid" and reason "Accepted" (the arguments of its
-- newCondition are swapped), so any condition of the current generation with status False counts, whatever
-- its type. Envoy Gateway reports only on Backends a route references: until then, or with a status of an
-- earlier generation, -> Progressing.
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
  hs.message = "Waiting for Envoy Gateway to process the Backend (it reports only on Backends a route references)"
  return hs
end

local accepted = nil
local stale = nil
for _, condition in ipairs(conditions) do
  if generation ~= nil and condition.observedGeneration ~= nil and condition.observedGeneration ~= generation then
    stale = condition
  elseif condition.status == "False" then
    hs.status = "Degraded"
    hs.message = condition.message or condition.reason or condition.type
    return hs
  elseif condition.type == "Accepted" and condition.status == "True" then
    accepted = condition
  end
end

if accepted ~= nil then
  hs.status = "Healthy"
  hs.message = accepted.message or "The Backend was accepted"
elseif stale ~= nil then
  hs.status = "Progressing"
  hs.message = "Envoy Gateway has not processed generation " .. tostring(generation)
    .. " yet (its status is of generation " .. tostring(stale.observedGeneration) .. ")"
else
  hs.status = "Progressing"
  hs.message = "Waiting for Envoy Gateway to accept the Backend"
end
return hs
