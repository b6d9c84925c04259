-- Argo CD health check for the Gateway API Inference Extension's InferencePool (inference.networking.k8s.io/v1,
-- v1.5.0 API), shipped by llm-inference-stack (`llm-stack argocd-health`).
--
-- What the controller writes: status.parents, one entry per Gateway that reaches the pool through a route,
-- each with conditions carrying observedGeneration (api/v1/inferencepool_types.go). Envoy AI Gateway's
-- controller (envoyproxy/ai-gateway v1.0.0, internal/controller/inference_pool.go) writes, per Gateway,
--   Accepted True and ResolvedRefs True                                     -> Healthy
--   Accepted False or ResolvedRefs False (the endpoint picker's Service
--   does not exist: reason NotAccepted / ResolvedRefs, with its message)    -> Degraded
--   Accepted missing or Unknown (reason Pending), or of an earlier generation -> Progressing
-- Other types (Exported False with reason NotRequested is a deliberate non-action) do not count.
-- No parents -> Progressing: the controller has not reconciled the pool yet, or no route references it.
-- Argo CD runs this without the Lua standard libraries (no string library): only base and table functions.

local hs = {}
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local parents = nil
if obj.status ~= nil then
  parents = obj.status.parents
end

local function describe(ref)
  if ref == nil then
    return "parent"
  end
  local text = (ref.kind or "Gateway") .. " "
  if ref.namespace ~= nil then
    text = text .. ref.namespace .. "/"
  end
  return text .. (ref.name or "?")
end

if parents == nil or #parents == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for a Gateway to report on the InferencePool (status.parents is empty; it stays so while "
    .. "no route references the pool)"
  return hs
end

local degraded = {}
local progressing = {}
for _, parent in ipairs(parents) do
  local where = describe(parent.parentRef)
  local accepted = nil
  local resolved = nil
  for _, condition in ipairs(parent.conditions or {}) do
    if condition.type == "Accepted" then
      accepted = condition
    elseif condition.type == "ResolvedRefs" then
      resolved = condition
    end
  end
  local stale = false
  for _, condition in ipairs({ accepted, resolved }) do
    if generation ~= nil and condition.observedGeneration ~= nil and condition.observedGeneration ~= generation then
      stale = true
    end
  end
  if accepted == nil then
    table.insert(progressing, where .. ": not accepted yet")
  elseif stale then
    table.insert(progressing, where .. ": the controller has not processed generation " .. tostring(generation)
      .. " yet")
  elseif resolved ~= nil and resolved.status == "False" then
    table.insert(degraded, where .. ": " .. (resolved.message or resolved.reason or "references not resolved"))
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
  hs.message = "Accepted by " .. tostring(#parents) .. " Gateway(s)"
end
return hs
