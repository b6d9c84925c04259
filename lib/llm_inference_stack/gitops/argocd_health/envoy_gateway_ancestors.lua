-- Argo CD health check for Envoy Gateway's SecurityPolicy, BackendTrafficPolicy, ClientTrafficPolicy and
-- EnvoyProxy (gateway.envoyproxy.io/v1alpha1), shipped by llm-inference-stack (`llm-stack argocd-health`).
--
-- What the controller writes (envoyproxy/gateway v1.9.0, internal/gatewayapi/status/policy.go and
-- status/envoyproxy.go): status.ancestors, one entry per Gateway (or listener, or route) the object attaches
-- to, each with Gateway API policy conditions carrying observedGeneration:
--   Accepted True  on every ancestor                                   -> Healthy
--   Accepted False on any ancestor (a key Secret it may not read, a
--   listener or route section that does not exist, an invalid setting) -> Degraded, with Envoy Gateway's message
--   Accepted missing or Unknown, or of an earlier generation           -> Progressing
-- Overridden, Merged, Aggregated and Warning (all status True) are informational: a Warning's message is kept.
-- No ancestors -> Progressing: Envoy Gateway has not reconciled the object yet, or none of its targets exists
-- (it writes no condition for a target it cannot find).
-- Argo CD runs this without the Lua standard libraries (no string library): only base and table functions.

local hs = {}
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local ancestors = nil
if obj.status ~= nil then
  ancestors = obj.status.ancestors
end

local function describe(ref)
  if ref == nil then
    return "ancestor"
  end
  local text = (ref.kind or "Gateway") .. " "
  if ref.namespace ~= nil then
    text = text .. ref.namespace .. "/"
  end
  text = text .. (ref.name or "?")
  if ref.sectionName ~= nil then
    text = text .. " (" .. ref.sectionName .. ")"
  end
  return text
end

if ancestors == nil or #ancestors == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for Envoy Gateway to report on the " .. obj.kind
    .. "'s targets (status.ancestors is empty; it stays so while no target exists)"
  return hs
end

local degraded = {}
local progressing = {}
local notes = {}
for _, ancestor in ipairs(ancestors) do
  local where = describe(ancestor.ancestorRef)
  local accepted = nil
  for _, condition in ipairs(ancestor.conditions or {}) do
    if condition.type == "Accepted" then
      accepted = condition
    elseif condition.type == "Warning" and condition.status == "True" then
      table.insert(notes, where .. ": " .. (condition.message or condition.reason or "warning"))
    end
  end
  if accepted == nil then
    table.insert(progressing, where .. ": not accepted yet")
  elseif generation ~= nil and accepted.observedGeneration ~= nil and accepted.observedGeneration ~= generation then
    table.insert(progressing, where .. ": Envoy Gateway has not processed generation " .. tostring(generation)
      .. " yet (its status is of generation " .. tostring(accepted.observedGeneration) .. ")")
  elseif accepted.status == "False" then
    table.insert(degraded, where .. ": " .. (accepted.message or accepted.reason or "not accepted"))
  elseif accepted.status ~= "True" then
    table.insert(progressing, where .. ": " .. (accepted.message or accepted.reason or "acceptance pending"))
  end
end

if #degraded > 0 then
  hs.status = "Degraded"
  hs.message = table.concat(degraded, "; ")
elseif #progressing > 0 then
  hs.status = "Progressing"
  hs.message = table.concat(progressing, "; ")
else
  hs.status = "Healthy"
  hs.message = "Accepted by " .. tostring(#ancestors) .. " ancestor(s)"
  if #notes > 0 then
    hs.message = hs.message .. "; " .. table.concat(notes, "; ")
  end
end
return hs
