from __future__ import annotations

from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)

import abc
import builtins
import datetime
import enum
import typing

import jsii
import publication
import typing_extensions

from jsii._type_checking import cached_type_hints, check_type


from ._jsii import *

class _LazyImport:
    def __init__(self, module_name: str) -> None:
        self._module_name = module_name
        self._module: typing.Any = None
    def __getattr__(self, name: str) -> typing.Any:
        if self._module is None:
            import importlib
            self._module = importlib.import_module(self._module_name)
        return getattr(self._module, name)

if typing.TYPE_CHECKING:

    import cdk8s as _cdk8s_d3d9af27
    import constructs as _constructs_77d1e7e8
else:

    _cdk8s_d3d9af27 = _LazyImport("cdk8s")
    _constructs_77d1e7e8 = _LazyImport("constructs")


class AiGatewayRoute(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.AiGatewayRoute",
):
    '''AIGatewayRoute combines multiple AIServiceBackends and attaching them to Gateway(s) resources.

    This serves as a way to define a "unified" AI API for a Gateway which allows downstream
    clients to use a single schema API to interact with multiple AI backends.

    Envoy AI Gateway will generate the following k8s resources corresponding to the AIGatewayRoute:

    - HTTPRoute of the Gateway API as a top-level resource to bind all backends.
      The name of the HTTPRoute is the same as the AIGatewayRoute.
    - HTTPRouteFilter of the Envoy Gateway API per namespace for automatic hostname rewrite.
      The name of the HTTPRouteFilter is ``ai-eg-host-rewrite-${AIGatewayRoute.Name}``.

    All of these resources are created in the same namespace as the AIGatewayRoute. Note that this is the implementation
    detail subject to change. If you want to customize the default behavior of the Envoy AI Gateway, you can use these
    resources as a reference and create your own resources. Alternatively, you can use EnvoyPatchPolicy API of the Envoy
    Gateway to patch the generated resources. For example, you can configure the retry fallback behavior by attaching
    BackendTrafficPolicy API of Envoy Gateway to the generated HTTPRoute.

    :schema: AIGatewayRoute
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiGatewayRouteSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "AIGatewayRoute" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Spec defines the details of the AIGatewayRoute.
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__466a65abf04a900341b0531f63461a75b71589aa464a4b2d6eb2bce39721b539)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = AiGatewayRouteProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiGatewayRouteSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "AIGatewayRoute".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Spec defines the details of the AIGatewayRoute.
        '''
        props = AiGatewayRouteProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "AIGatewayRoute".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class AiGatewayRouteProps:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiGatewayRouteSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''AIGatewayRoute combines multiple AIServiceBackends and attaching them to Gateway(s) resources.

        This serves as a way to define a "unified" AI API for a Gateway which allows downstream
        clients to use a single schema API to interact with multiple AI backends.

        Envoy AI Gateway will generate the following k8s resources corresponding to the AIGatewayRoute:

        - HTTPRoute of the Gateway API as a top-level resource to bind all backends.
          The name of the HTTPRoute is the same as the AIGatewayRoute.
        - HTTPRouteFilter of the Envoy Gateway API per namespace for automatic hostname rewrite.
          The name of the HTTPRouteFilter is ``ai-eg-host-rewrite-${AIGatewayRoute.Name}``.

        All of these resources are created in the same namespace as the AIGatewayRoute. Note that this is the implementation
        detail subject to change. If you want to customize the default behavior of the Envoy AI Gateway, you can use these
        resources as a reference and create your own resources. Alternatively, you can use EnvoyPatchPolicy API of the Envoy
        Gateway to patch the generated resources. For example, you can configure the retry fallback behavior by attaching
        BackendTrafficPolicy API of Envoy Gateway to the generated HTTPRoute.

        :param metadata: 
        :param spec: Spec defines the details of the AIGatewayRoute.

        :schema: AIGatewayRoute
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = AiGatewayRouteSpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__969249440253dc822e4c55f9f1b2a1b49df1ab161ea76403196b1697862f5756)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: AIGatewayRoute#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["AiGatewayRouteSpec"]:
        '''Spec defines the details of the AIGatewayRoute.

        :schema: AIGatewayRoute#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["AiGatewayRouteSpec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpec",
    jsii_struct_bases=[],
    name_mapping={
        "rules": "rules",
        "hostnames": "hostnames",
        "llm_request_costs": "llmRequestCosts",
        "parent_refs": "parentRefs",
    },
)
class AiGatewayRouteSpec:
    def __init__(
        self,
        *,
        rules: typing.Sequence[typing.Union["AiGatewayRouteSpecRules", typing.Dict[builtins.str, typing.Any]]],
        hostnames: typing.Optional[typing.Sequence[builtins.str]] = None,
        llm_request_costs: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecLlmRequestCosts", typing.Dict[builtins.str, typing.Any]]]] = None,
        parent_refs: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecParentRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Spec defines the details of the AIGatewayRoute.

        :param rules: Rules is the list of AIGatewayRouteRule that this AIGatewayRoute will match the traffic to. Each rule is a subset of the HTTPRoute in the Gateway API (https://gateway-api.sigs.k8s.io/api-types/httproute/). AI Gateway controller will generate a HTTPRoute based on the configuration given here with the additional modifications to achieve the necessary jobs, notably inserting the AI Gateway filter responsible for the transformation of the request and response, etc. In the matching conditions in the AIGatewayRouteRule, ``x-ai-eg-model`` header is available if we want to describe the routing behavior based on the model name. The model name is extracted from the request content before the routing decision. How multiple rules are matched is the same as the Gateway API. See for the details: https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRoute At most 15 rules are allowed per AIGatewayRoute, corresponding to the Gateway API's limit on HTTPRoute.spec.rules (one slot is reserved for a controller-injected catch-all rule). To configure more rules on the same Gateway, split them across multiple AIGatewayRoute resources.
        :param hostnames: Hostnames is a list of hostnames matched against the HTTP Host header to select an AIGatewayRoute used to process the request. This is equivalent to the Hostnames field in the Gateway API HTTPRouteSpec. When specified, the generated HTTPRoute will include these hostnames for hostname-based filtering. See https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRouteSpec for the details of the Hostnames field in the Gateway API.
        :param llm_request_costs: LLMRequestCosts specifies how to capture the cost of the LLM-related request, notably the token usage. The AI Gateway filter will capture each specified number and store it in the Envoy's dynamic metadata per HTTP request. The namespaced key is "io.envoy.ai_gateway". These route-level costs override any global defaults defined in GatewayConfig.Spec.GlobalLLMRequestCosts for the same metadataKey. If a metadataKey is not defined in either place, no cost is calculated for it. This allows you to define common cost formulas once at the gateway level (e.g., via GatewayConfig) and only override them in specific routes when needed (e.g., premium routes with different pricing). For example, let's say we have the following LLMRequestCosts configuration:: llmRequestCosts: - metadataKey: llm_input_token type: InputToken - metadataKey: llm_output_token type: OutputToken - metadataKey: llm_total_token type: TotalToken - metadataKey: llm_cached_input_token type: CachedInputToken - metadataKey: llm_cache_creation_input_token type: CacheCreationInputToken Then, with the following BackendTrafficPolicy of Envoy Gateway, you can have three rate limit buckets for each unique x-tenant-id header value. One bucket is for the input token, the other is for the output token, and the last one is for the total token. Each bucket will be reduced by the corresponding token usage captured by the AI Gateway filter:: apiVersion: gateway.envoyproxy.io/v1alpha1 kind: BackendTrafficPolicy metadata: name: some-example-token-rate-limit namespace: default spec: targetRefs: - group: gateway.networking.k8s.io kind: HTTPRoute name: usage-rate-limit rateLimit: type: Global global: rules: - clientSelectors: # Do the rate limiting based on the x-tenant-id header. - headers: - name: x-tenant-id type: Distinct limit: # Configures the number of "tokens" allowed per hour. requests: 10000 unit: Hour cost: request: from: Number # Setting the request cost to zero allows to only check the rate limit budget, # and not consume the budget on the request path. number: 0 # This specifies the cost of the response retrieved from the dynamic metadata set by the AI Gateway filter. # The extracted value will be used to consume the rate limit budget, and subsequent requests will be rate limited # if the budget is exhausted. response: from: Metadata metadata: namespace: io.envoy.ai_gateway key: llm_input_token - clientSelectors: - headers: - name: x-tenant-id type: Distinct limit: requests: 10000 unit: Hour cost: request: from: Number number: 0 response: from: Metadata metadata: namespace: io.envoy.ai_gateway key: llm_output_token - clientSelectors: - headers: - name: x-tenant-id type: Distinct limit: requests: 10000 unit: Hour cost: request: from: Number number: 0 response: from: Metadata metadata: namespace: io.envoy.ai_gateway key: llm_total_token Note that when multiple AIGatewayRoute resources are attached to the same Gateway, and different costs are configured for the same metadata key, each route's rule is carried in the filter configuration with the route identity; the data plane selects the matching rule per request (by route), so each route can define its own cost for the same metadata key.
        :param parent_refs: ParentRefs are the names of the Gateway resources this AIGatewayRoute is being attached to. Currently, each reference's Kind must be Gateway.

        :schema: AiGatewayRouteSpec
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c27854126e0d59a5dde91b23530b1a4e116045de6b0bacd0ad096bcb4df3ab94)
            check_type(argname="argument rules", value=rules, expected_type=type_hints["rules"])
            check_type(argname="argument hostnames", value=hostnames, expected_type=type_hints["hostnames"])
            check_type(argname="argument llm_request_costs", value=llm_request_costs, expected_type=type_hints["llm_request_costs"])
            check_type(argname="argument parent_refs", value=parent_refs, expected_type=type_hints["parent_refs"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "rules": rules,
        }
        if hostnames is not None:
            self._values["hostnames"] = hostnames
        if llm_request_costs is not None:
            self._values["llm_request_costs"] = llm_request_costs
        if parent_refs is not None:
            self._values["parent_refs"] = parent_refs

    @builtins.property
    def rules(self) -> typing.List["AiGatewayRouteSpecRules"]:
        '''Rules is the list of AIGatewayRouteRule that this AIGatewayRoute will match the traffic to.

        Each rule is a subset of the HTTPRoute in the Gateway API (https://gateway-api.sigs.k8s.io/api-types/httproute/).

        AI Gateway controller will generate a HTTPRoute based on the configuration given here with the additional
        modifications to achieve the necessary jobs, notably inserting the AI Gateway filter responsible for
        the transformation of the request and response, etc.

        In the matching conditions in the AIGatewayRouteRule, ``x-ai-eg-model`` header is available
        if we want to describe the routing behavior based on the model name. The model name is extracted
        from the request content before the routing decision.

        How multiple rules are matched is the same as the Gateway API. See for the details:
        https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRoute

        At most 15 rules are allowed per AIGatewayRoute, corresponding to the Gateway API's limit on
        HTTPRoute.spec.rules (one slot is reserved for a controller-injected catch-all rule). To
        configure more rules on the same Gateway, split them across multiple AIGatewayRoute resources.

        :schema: AiGatewayRouteSpec#rules
        '''
        result = self._values.get("rules")
        assert result is not None, "Required property 'rules' is missing"
        return typing.cast(typing.List["AiGatewayRouteSpecRules"], result)

    @builtins.property
    def hostnames(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Hostnames is a list of hostnames matched against the HTTP Host header to select an AIGatewayRoute used to process the request.

        This is equivalent to the Hostnames field in the Gateway API HTTPRouteSpec.
        When specified, the generated HTTPRoute will include these hostnames for hostname-based filtering.
        See https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRouteSpec
        for the details of the Hostnames field in the Gateway API.

        :schema: AiGatewayRouteSpec#hostnames
        '''
        result = self._values.get("hostnames")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def llm_request_costs(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecLlmRequestCosts"]]:
        '''LLMRequestCosts specifies how to capture the cost of the LLM-related request, notably the token usage.

        The AI Gateway filter will capture each specified number and store it in the Envoy's dynamic
        metadata per HTTP request. The namespaced key is "io.envoy.ai_gateway".

        These route-level costs override any global defaults defined in GatewayConfig.Spec.GlobalLLMRequestCosts
        for the same metadataKey. If a metadataKey is not defined in either place, no cost is calculated for it.

        This allows you to define common cost formulas once at the gateway level (e.g., via GatewayConfig)
        and only override them in specific routes when needed (e.g., premium routes with different pricing).

        For example, let's say we have the following LLMRequestCosts configuration::

           llmRequestCosts:
           - metadataKey: llm_input_token
           type: InputToken
           - metadataKey: llm_output_token
           type: OutputToken
           - metadataKey: llm_total_token
           type: TotalToken
           - metadataKey: llm_cached_input_token
           type: CachedInputToken
           - metadataKey: llm_cache_creation_input_token
           type: CacheCreationInputToken

        Then, with the following BackendTrafficPolicy of Envoy Gateway, you can have three
        rate limit buckets for each unique x-tenant-id header value. One bucket is for the input token,
        the other is for the output token, and the last one is for the total token.
        Each bucket will be reduced by the corresponding token usage captured by the AI Gateway filter::

           apiVersion: gateway.envoyproxy.io/v1alpha1
           kind: BackendTrafficPolicy
           metadata:
           name: some-example-token-rate-limit
           namespace: default
           spec:
           targetRefs:
           - group: gateway.networking.k8s.io
           kind: HTTPRoute
           name: usage-rate-limit
           rateLimit:
           type: Global
           global:
           rules:
           - clientSelectors:
           # Do the rate limiting based on the x-tenant-id header.
           - headers:
           - name: x-tenant-id
           type: Distinct
           limit:
           # Configures the number of "tokens" allowed per hour.
           requests: 10000
           unit: Hour
           cost:
           request:
           from: Number
           # Setting the request cost to zero allows to only check the rate limit budget,
           # and not consume the budget on the request path.
           number: 0
           # This specifies the cost of the response retrieved from the dynamic metadata set by the AI Gateway filter.
           # The extracted value will be used to consume the rate limit budget, and subsequent requests will be rate limited
           # if the budget is exhausted.
           response:
           from: Metadata
           metadata:
           namespace: io.envoy.ai_gateway
           key: llm_input_token
           - clientSelectors:
           - headers:
           - name: x-tenant-id
           type: Distinct
           limit:
           requests: 10000
           unit: Hour
           cost:
           request:
           from: Number
           number: 0
           response:
           from: Metadata
           metadata:
           namespace: io.envoy.ai_gateway
           key: llm_output_token
           - clientSelectors:
           - headers:
           - name: x-tenant-id
           type: Distinct
           limit:
           requests: 10000
           unit: Hour
           cost:
           request:
           from: Number
           number: 0
           response:
           from: Metadata
           metadata:
           namespace: io.envoy.ai_gateway
           key: llm_total_token

        Note that when multiple AIGatewayRoute resources are attached to the same Gateway, and
        different costs are configured for the same metadata key, each route's rule is carried in
        the filter configuration with the route identity; the data plane selects the matching rule
        per request (by route), so each route can define its own cost for the same metadata key.

        :schema: AiGatewayRouteSpec#llmRequestCosts
        '''
        result = self._values.get("llm_request_costs")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecLlmRequestCosts"]], result)

    @builtins.property
    def parent_refs(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecParentRefs"]]:
        '''ParentRefs are the names of the Gateway resources this AIGatewayRoute is being attached to.

        Currently, each reference's Kind must be Gateway.

        :schema: AiGatewayRouteSpec#parentRefs
        '''
        result = self._values.get("parent_refs")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecParentRefs"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecLlmRequestCosts",
    jsii_struct_bases=[],
    name_mapping={"metadata_key": "metadataKey", "type": "type", "cel": "cel"},
)
class AiGatewayRouteSpecLlmRequestCosts:
    def __init__(
        self,
        *,
        metadata_key: builtins.str,
        type: "AiGatewayRouteSpecLlmRequestCostsType",
        cel: typing.Optional[builtins.str] = None,
    ) -> None:
        '''LLMRequestCost configures each request cost.

        :param metadata_key: MetadataKey is the key of the metadata to store this cost of the request.
        :param type: Type specifies the type of the request cost. The default is "OutputToken", and it uses "output token" as the cost. The other types are "InputToken", "TotalToken", "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".
        :param cel: CEL is the CEL expression to calculate the cost of the request. The CEL expression must return a signed or unsigned integer. If the return value is negative, it will be error. The expression can use the following variables: - model: the model name extracted from the request content. Type: string. - backend: the backend name in the form of "name.namespace". Type: string. - input_tokens: the number of input tokens. Type: unsigned integer. - cached_input_tokens: the number of cached read input tokens. Type: unsigned integer. - cache_creation_input_tokens: the number of cache creation input tokens. Type: unsigned integer. - output_tokens: the number of output tokens. Type: unsigned integer. - total_tokens: the total number of tokens. Type: unsigned integer. - reasoning_tokens: the number of reasoning tokens. Type: unsigned integer. For example, the following expressions are valid: - "model == 'llama' ? input_tokens + output_token * 0.5 : total_tokens" - "backend == 'foo.default' ? input_tokens + output_tokens : total_tokens" - "backend == 'bar.default' ? (input_tokens - cached_input_tokens) + cached_input_tokens * 0.1 + cache_creation_input_tokens * 1.25 + output_tokens : total_tokens" - "input_tokens + output_tokens + total_tokens" - "input_tokens * output_tokens"

        :schema: AiGatewayRouteSpecLlmRequestCosts
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c54f2cc12ae7e025450d2147fe926101f29aa41d4bf40ea19e0457625d49ae57)
            check_type(argname="argument metadata_key", value=metadata_key, expected_type=type_hints["metadata_key"])
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument cel", value=cel, expected_type=type_hints["cel"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "metadata_key": metadata_key,
            "type": type,
        }
        if cel is not None:
            self._values["cel"] = cel

    @builtins.property
    def metadata_key(self) -> builtins.str:
        '''MetadataKey is the key of the metadata to store this cost of the request.

        :schema: AiGatewayRouteSpecLlmRequestCosts#metadataKey
        '''
        result = self._values.get("metadata_key")
        assert result is not None, "Required property 'metadata_key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def type(self) -> "AiGatewayRouteSpecLlmRequestCostsType":
        '''Type specifies the type of the request cost.

        The default is "OutputToken",
        and it uses "output token" as the cost. The other types are "InputToken", "TotalToken",
        "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".

        :schema: AiGatewayRouteSpecLlmRequestCosts#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("AiGatewayRouteSpecLlmRequestCostsType", result)

    @builtins.property
    def cel(self) -> typing.Optional[builtins.str]:
        '''CEL is the CEL expression to calculate the cost of the request.

        The CEL expression must return a signed or unsigned integer. If the
        return value is negative, it will be error.

        The expression can use the following variables:

        - model: the model name extracted from the request content. Type: string.
        - backend: the backend name in the form of "name.namespace". Type: string.
        - input_tokens: the number of input tokens. Type: unsigned integer.
        - cached_input_tokens: the number of cached read input tokens. Type: unsigned integer.
        - cache_creation_input_tokens: the number of cache creation input tokens. Type: unsigned integer.
        - output_tokens: the number of output tokens. Type: unsigned integer.
        - total_tokens: the total number of tokens. Type: unsigned integer.
        - reasoning_tokens: the number of reasoning tokens. Type: unsigned integer.

        For example, the following expressions are valid:

        - "model == 'llama' ?  input_tokens + output_token * 0.5 : total_tokens"
        - "backend == 'foo.default' ?  input_tokens + output_tokens : total_tokens"
        - "backend == 'bar.default' ?  (input_tokens - cached_input_tokens) + cached_input_tokens * 0.1 + cache_creation_input_tokens * 1.25 + output_tokens : total_tokens"
        - "input_tokens + output_tokens + total_tokens"
        - "input_tokens * output_tokens"

        :schema: AiGatewayRouteSpecLlmRequestCosts#cel
        '''
        result = self._values.get("cel")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecLlmRequestCosts(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecLlmRequestCostsType")
class AiGatewayRouteSpecLlmRequestCostsType(enum.Enum):
    '''Type specifies the type of the request cost.

    The default is "OutputToken",
    and it uses "output token" as the cost. The other types are "InputToken", "TotalToken",
    "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".

    :schema: AiGatewayRouteSpecLlmRequestCostsType
    '''

    OUTPUT_TOKEN = "OUTPUT_TOKEN"
    '''OutputToken.'''
    INPUT_TOKEN = "INPUT_TOKEN"
    '''InputToken.'''
    CACHED_INPUT_TOKEN = "CACHED_INPUT_TOKEN"
    '''CachedInputToken.'''
    CACHE_CREATION_INPUT_TOKEN = "CACHE_CREATION_INPUT_TOKEN"
    '''CacheCreationInputToken.'''
    TOTAL_TOKEN = "TOTAL_TOKEN"
    '''TotalToken.'''
    REASONING_TOKEN = "REASONING_TOKEN"
    '''ReasoningToken.'''
    CEL = "CEL"
    '''CEL.'''


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecParentRefs",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
        "port": "port",
        "section_name": "sectionName",
    },
)
class AiGatewayRouteSpecParentRefs:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        port: typing.Optional[jsii.Number] = None,
        section_name: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ParentReference identifies an API object (usually a Gateway) that can be considered a parent of this resource (usually a route).

        There are two kinds of parent resources
        with "Core" support:

        - Gateway (Gateway conformance profile)
        - Service (Mesh conformance profile, ClusterIP Services only)

        This API may be extended in the future to support additional kinds of parent
        resources.

        The API object must be valid in the cluster; the Group and Kind must
        be registered in the cluster for this reference to be valid.

        :param name: Name is the name of the referent. Support: Core
        :param group: Group is the group of the referent. When unspecified, "gateway.networking.k8s.io" is inferred. To set the core API group (such as for a "Service" kind referent), Group must be explicitly set to "" (empty string). Support: Core
        :param kind: Kind is kind of the referent. There are two kinds of parent resources with "Core" support: - Gateway (Gateway conformance profile) - Service (Mesh conformance profile, ClusterIP Services only) Support for other resources is Implementation-Specific.
        :param namespace: Namespace is the namespace of the referent. When unspecified, this refers to the local namespace of the Route. Note that there are specific rules for ParentRefs which cross namespace boundaries. Cross-namespace references are only valid if they are explicitly allowed by something in the namespace they are referring to. For example: Gateway has the AllowedRoutes field, and ReferenceGrant provides a generic way to enable any other kind of cross-namespace reference. `gateway:experimental:description <gateway:experimental:description>`_ ParentRefs from a Route to a Service in the same namespace are "producer" routes, which apply default routing rules to inbound connections from any namespace to the Service. ParentRefs from a Route to a Service in a different namespace are "consumer" routes, and these routing rules are only applied to outbound connections originating from the same namespace as the Route, for which the intended destination of the connections are a Service targeted as a ParentRef of the Route. </gateway:experimental:description> Support: Core
        :param port: Port is the network port this Route targets. It can be interpreted differently based on the type of parent resource. When the parent resource is a Gateway, this targets all listeners listening on the specified port that also support this kind of Route(and select this Route). It's not recommended to set ``Port`` unless the networking behaviors specified in a Route must apply to a specific port as opposed to a listener(s) whose port(s) may be changed. When both Port and SectionName are specified, the name and port of the selected listener must match both specified values. `gateway:experimental:description <gateway:experimental:description>`_ When the parent resource is a Service, this targets a specific port in the Service spec. When both Port (experimental) and SectionName are specified, the name and port of the selected port must match both specified values. </gateway:experimental:description> Implementations MAY choose to support other parent resources. Implementations supporting other types of parent resources MUST clearly document how/if Port is interpreted. For the purpose of status, an attachment is considered successful as long as the parent resource accepts it partially. For example, Gateway listeners can restrict which Routes can attach to them by Route kind, namespace, or hostname. If 1 of 2 Gateway listeners accept attachment from the referencing Route, the Route MUST be considered successfully attached. If no Gateway listeners accept attachment from this Route, the Route MUST be considered detached from the Gateway. Support: Extended
        :param section_name: SectionName is the name of a section within the target resource. In the following resources, SectionName is interpreted as the following: - Gateway: Listener name. When both Port (experimental) and SectionName are specified, the name and port of the selected listener must match both specified values. - Service: Port name. When both Port (experimental) and SectionName are specified, the name and port of the selected listener must match both specified values. Implementations MAY choose to support attaching Routes to other resources. If that is the case, they MUST clearly document how SectionName is interpreted. When unspecified (empty string), this will reference the entire resource. For the purpose of status, an attachment is considered successful if at least one section in the parent resource accepts it. For example, Gateway listeners can restrict which Routes can attach to them by Route kind, namespace, or hostname. If 1 of 2 Gateway listeners accept attachment from the referencing Route, the Route MUST be considered successfully attached. If no Gateway listeners accept attachment from this Route, the Route MUST be considered detached from the Gateway. Support: Core

        :schema: AiGatewayRouteSpecParentRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__132257401f697b27f0799b6f35a4bc442908df8cc26494132f716badfa601541)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument section_name", value=section_name, expected_type=type_hints["section_name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if kind is not None:
            self._values["kind"] = kind
        if namespace is not None:
            self._values["namespace"] = namespace
        if port is not None:
            self._values["port"] = port
        if section_name is not None:
            self._values["section_name"] = section_name

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        Support: Core

        :schema: AiGatewayRouteSpecParentRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        When unspecified, "gateway.networking.k8s.io" is inferred.
        To set the core API group (such as for a "Service" kind referent),
        Group must be explicitly set to "" (empty string).

        Support: Core

        :schema: AiGatewayRouteSpecParentRefs#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def kind(self) -> typing.Optional[builtins.str]:
        '''Kind is kind of the referent.

        There are two kinds of parent resources with "Core" support:

        - Gateway (Gateway conformance profile)
        - Service (Mesh conformance profile, ClusterIP Services only)

        Support for other resources is Implementation-Specific.

        :schema: AiGatewayRouteSpecParentRefs#kind
        '''
        result = self._values.get("kind")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referent. When unspecified, this refers to the local namespace of the Route.

        Note that there are specific rules for ParentRefs which cross namespace
        boundaries. Cross-namespace references are only valid if they are explicitly
        allowed by something in the namespace they are referring to. For example:
        Gateway has the AllowedRoutes field, and ReferenceGrant provides a
        generic way to enable any other kind of cross-namespace reference.

        `gateway:experimental:description <gateway:experimental:description>`_
        ParentRefs from a Route to a Service in the same namespace are "producer"
        routes, which apply default routing rules to inbound connections from
        any namespace to the Service.

        ParentRefs from a Route to a Service in a different namespace are
        "consumer" routes, and these routing rules are only applied to outbound
        connections originating from the same namespace as the Route, for which
        the intended destination of the connections are a Service targeted as a
        ParentRef of the Route.
        </gateway:experimental:description>

        Support: Core

        :schema: AiGatewayRouteSpecParentRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def port(self) -> typing.Optional[jsii.Number]:
        '''Port is the network port this Route targets. It can be interpreted differently based on the type of parent resource.

        When the parent resource is a Gateway, this targets all listeners
        listening on the specified port that also support this kind of Route(and
        select this Route). It's not recommended to set ``Port`` unless the
        networking behaviors specified in a Route must apply to a specific port
        as opposed to a listener(s) whose port(s) may be changed. When both Port
        and SectionName are specified, the name and port of the selected listener
        must match both specified values.

        `gateway:experimental:description <gateway:experimental:description>`_
        When the parent resource is a Service, this targets a specific port in the
        Service spec. When both Port (experimental) and SectionName are specified,
        the name and port of the selected port must match both specified values.
        </gateway:experimental:description>

        Implementations MAY choose to support other parent resources.
        Implementations supporting other types of parent resources MUST clearly
        document how/if Port is interpreted.

        For the purpose of status, an attachment is considered successful as
        long as the parent resource accepts it partially. For example, Gateway
        listeners can restrict which Routes can attach to them by Route kind,
        namespace, or hostname. If 1 of 2 Gateway listeners accept attachment
        from the referencing Route, the Route MUST be considered successfully
        attached. If no Gateway listeners accept attachment from this Route,
        the Route MUST be considered detached from the Gateway.

        Support: Extended

        :schema: AiGatewayRouteSpecParentRefs#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def section_name(self) -> typing.Optional[builtins.str]:
        '''SectionName is the name of a section within the target resource.

        In the
        following resources, SectionName is interpreted as the following:

        - Gateway: Listener name. When both Port (experimental) and SectionName
          are specified, the name and port of the selected listener must match
          both specified values.
        - Service: Port name. When both Port (experimental) and SectionName
          are specified, the name and port of the selected listener must match
          both specified values.

        Implementations MAY choose to support attaching Routes to other resources.
        If that is the case, they MUST clearly document how SectionName is
        interpreted.

        When unspecified (empty string), this will reference the entire resource.
        For the purpose of status, an attachment is considered successful if at
        least one section in the parent resource accepts it. For example, Gateway
        listeners can restrict which Routes can attach to them by Route kind,
        namespace, or hostname. If 1 of 2 Gateway listeners accept attachment from
        the referencing Route, the Route MUST be considered successfully
        attached. If no Gateway listeners accept attachment from this Route, the
        Route MUST be considered detached from the Gateway.

        Support: Core

        :schema: AiGatewayRouteSpecParentRefs#sectionName
        '''
        result = self._values.get("section_name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecParentRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRules",
    jsii_struct_bases=[],
    name_mapping={
        "backend_refs": "backendRefs",
        "matches": "matches",
        "models_created_at": "modelsCreatedAt",
        "models_owned_by": "modelsOwnedBy",
        "name": "name",
        "stream_idle_timeout": "streamIdleTimeout",
        "timeouts": "timeouts",
    },
)
class AiGatewayRouteSpecRules:
    def __init__(
        self,
        *,
        backend_refs: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecRulesBackendRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
        matches: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecRulesMatches", typing.Dict[builtins.str, typing.Any]]]] = None,
        models_created_at: typing.Optional[datetime.datetime] = None,
        models_owned_by: typing.Optional[builtins.str] = None,
        name: typing.Optional[builtins.str] = None,
        stream_idle_timeout: typing.Optional[builtins.str] = None,
        timeouts: typing.Optional[typing.Union["AiGatewayRouteSpecRulesTimeouts", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''AIGatewayRouteRule is a rule that defines the routing behavior of the AIGatewayRoute.

        :param backend_refs: BackendRefs is the list of backends that this rule will route the traffic to. Each backend can have a weight that determines the traffic distribution. The namespace of each backend defaults to the same namespace as the AIGatewayRoute when not specified. Cross-namespace references are supported by specifying the namespace field. When a namespace different than the AIGatewayRoute's namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. BackendRefs can reference either AIServiceBackend resources (default) or InferencePool resources from the Gateway API Inference Extension. When referencing InferencePool resources: - Only one InferencePool backend is allowed per rule - Cannot mix InferencePool with AIServiceBackend references in the same rule - Fallback behavior is handled by the InferencePool's endpoint picker For AIServiceBackend references, you can achieve fallback behavior by configuring multiple backends combined with the BackendTrafficPolicy of Envoy Gateway. Please refer to https://gateway.envoyproxy.io/docs/tasks/traffic/failover/ as well as https://gateway.envoyproxy.io/docs/tasks/traffic/retry/.
        :param matches: Matches is the list of AIGatewayRouteMatch that this rule will match the traffic to. This is a subset of the HTTPRouteMatch in the Gateway API. See for the details: https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRouteMatch
        :param models_created_at: ModelsCreatedAt represents the creation timestamp of the running models serving by the backends, which will be exported as the field of "Created" in openai-compatible API "/models". It follows the format of RFC 3339, for example "2024-05-21T10:00:00Z". This is used only when this rule contains "x-ai-eg-model" in its header matching where the header value will be recognized as a "model" in "/models" endpoint. All the matched models will share the same creation time. Default to the creation timestamp of the AIGatewayRoute if not set. Default: the creation timestamp of the AIGatewayRoute if not set.
        :param models_owned_by: ModelsOwnedBy represents the owner of the running models serving by the backends, which will be exported as the field of "OwnedBy" in openai-compatible API "/models". This is used only when this rule contains "x-ai-eg-model" in its header matching where the header value will be recognized as a "model" in "/models" endpoint. All the matched models will share the same owner. Default to "Envoy AI Gateway" if not set. Default: Envoy AI Gateway" if not set.
        :param name: Name is the name of the route rule. This name must be unique within the route. When specified, it is copied to the generated HTTPRoute rule name.
        :param stream_idle_timeout: StreamIdleTimeout is the maximum time Envoy will wait without receiving any bytes from the upstream. If the timer fires before the first response byte arrives, Envoy resets the upstream stream and a retry policy can fall over to the next backend. If it fires mid-stream after bytes have already arrived, the stream is cut and the client receives a 504. The AI Gateway extension server sets route.retry_policy.per_try_idle_timeout to this value on every xDS route generated from this rule before it is sent to the data plane. Pair this field with Timeouts.Request, which acts as the overall deadline. If this field is not set, no per-try idle timeout is applied.
        :param timeouts: Timeouts defines the timeouts that can be configured for an HTTP request. If this field is not set, or the timeout.requestTimeout is nil, Envoy AI Gateway defaults to set 60s for the request timeout as opposed to 15s of the Envoy Gateway's default value. For streaming responses (like chat completions with stream=true), consider setting longer timeouts as the response may take time until the completion. Timeouts.Request acts as the maximum total time the gateway will wait for the entire response, including all streamed chunks.

        :schema: AiGatewayRouteSpecRules
        '''
        if isinstance(timeouts, dict):
            timeouts = AiGatewayRouteSpecRulesTimeouts(**timeouts)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__841bdc63ea2980901b030838ddd46df68e2445c5d2f308a17960e0c653620176)
            check_type(argname="argument backend_refs", value=backend_refs, expected_type=type_hints["backend_refs"])
            check_type(argname="argument matches", value=matches, expected_type=type_hints["matches"])
            check_type(argname="argument models_created_at", value=models_created_at, expected_type=type_hints["models_created_at"])
            check_type(argname="argument models_owned_by", value=models_owned_by, expected_type=type_hints["models_owned_by"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument stream_idle_timeout", value=stream_idle_timeout, expected_type=type_hints["stream_idle_timeout"])
            check_type(argname="argument timeouts", value=timeouts, expected_type=type_hints["timeouts"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if backend_refs is not None:
            self._values["backend_refs"] = backend_refs
        if matches is not None:
            self._values["matches"] = matches
        if models_created_at is not None:
            self._values["models_created_at"] = models_created_at
        if models_owned_by is not None:
            self._values["models_owned_by"] = models_owned_by
        if name is not None:
            self._values["name"] = name
        if stream_idle_timeout is not None:
            self._values["stream_idle_timeout"] = stream_idle_timeout
        if timeouts is not None:
            self._values["timeouts"] = timeouts

    @builtins.property
    def backend_refs(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefs"]]:
        '''BackendRefs is the list of backends that this rule will route the traffic to.

        Each backend can have a weight that determines the traffic distribution.

        The namespace of each backend defaults to the same namespace as the AIGatewayRoute when not specified.
        Cross-namespace references are supported by specifying the namespace field.
        When a namespace different than the AIGatewayRoute's namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference.

        BackendRefs can reference either AIServiceBackend resources (default) or InferencePool resources
        from the Gateway API Inference Extension. When referencing InferencePool resources:

        - Only one InferencePool backend is allowed per rule
        - Cannot mix InferencePool with AIServiceBackend references in the same rule
        - Fallback behavior is handled by the InferencePool's endpoint picker

        For AIServiceBackend references, you can achieve fallback behavior by configuring multiple backends
        combined with the BackendTrafficPolicy of Envoy Gateway.
        Please refer to https://gateway.envoyproxy.io/docs/tasks/traffic/failover/ as well as
        https://gateway.envoyproxy.io/docs/tasks/traffic/retry/.

        :schema: AiGatewayRouteSpecRules#backendRefs
        '''
        result = self._values.get("backend_refs")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefs"]], result)

    @builtins.property
    def matches(self) -> typing.Optional[typing.List["AiGatewayRouteSpecRulesMatches"]]:
        '''Matches is the list of AIGatewayRouteMatch that this rule will match the traffic to.

        This is a subset of the HTTPRouteMatch in the Gateway API. See for the details:
        https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPRouteMatch

        :schema: AiGatewayRouteSpecRules#matches
        '''
        result = self._values.get("matches")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecRulesMatches"]], result)

    @builtins.property
    def models_created_at(self) -> typing.Optional[datetime.datetime]:
        '''ModelsCreatedAt represents the creation timestamp of the running models serving by the backends, which will be exported as the field of "Created" in openai-compatible API "/models".

        It follows the format of RFC 3339, for example "2024-05-21T10:00:00Z".

        This is used only when this rule contains "x-ai-eg-model" in its header matching
        where the header value will be recognized as a "model" in "/models" endpoint.
        All the matched models will share the same creation time.

        Default to the creation timestamp of the AIGatewayRoute if not set.

        :default: the creation timestamp of the AIGatewayRoute if not set.

        :schema: AiGatewayRouteSpecRules#modelsCreatedAt
        '''
        result = self._values.get("models_created_at")
        return typing.cast(typing.Optional[datetime.datetime], result)

    @builtins.property
    def models_owned_by(self) -> typing.Optional[builtins.str]:
        '''ModelsOwnedBy represents the owner of the running models serving by the backends, which will be exported as the field of "OwnedBy" in openai-compatible API "/models".

        This is used only when this rule contains "x-ai-eg-model" in its header matching
        where the header value will be recognized as a "model" in "/models" endpoint.
        All the matched models will share the same owner.

        Default to "Envoy AI Gateway" if not set.

        :default: Envoy AI Gateway" if not set.

        :schema: AiGatewayRouteSpecRules#modelsOwnedBy
        '''
        result = self._values.get("models_owned_by")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Name is the name of the route rule.

        This name must be unique within the route.
        When specified, it is copied to the generated HTTPRoute rule name.

        :schema: AiGatewayRouteSpecRules#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def stream_idle_timeout(self) -> typing.Optional[builtins.str]:
        '''StreamIdleTimeout is the maximum time Envoy will wait without receiving any bytes from the upstream.

        If the timer fires before the first response byte arrives, Envoy resets the upstream stream and a
        retry policy can fall over to the next backend. If it fires mid-stream after
        bytes have already arrived, the stream is cut and the client receives a 504.

        The AI Gateway extension server sets route.retry_policy.per_try_idle_timeout to this value on
        every xDS route generated from this rule before it is sent to the data plane.

        Pair this field with Timeouts.Request, which acts as the overall deadline.

        If this field is not set, no per-try idle timeout is applied.

        :schema: AiGatewayRouteSpecRules#streamIdleTimeout
        '''
        result = self._values.get("stream_idle_timeout")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def timeouts(self) -> typing.Optional["AiGatewayRouteSpecRulesTimeouts"]:
        '''Timeouts defines the timeouts that can be configured for an HTTP request.

        If this field is not set, or the timeout.requestTimeout is nil, Envoy AI Gateway defaults to
        set 60s for the request timeout as opposed to 15s of the Envoy Gateway's default value.

        For streaming responses (like chat completions with stream=true), consider setting
        longer timeouts as the response may take time until the completion. Timeouts.Request
        acts as the maximum total time the gateway will wait for the entire response,
        including all streamed chunks.

        :schema: AiGatewayRouteSpecRules#timeouts
        '''
        result = self._values.get("timeouts")
        return typing.cast(typing.Optional["AiGatewayRouteSpecRulesTimeouts"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRules(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesBackendRefs",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "body_mutation": "bodyMutation",
        "group": "group",
        "header_mutation": "headerMutation",
        "kind": "kind",
        "model_name_override": "modelNameOverride",
        "namespace": "namespace",
        "priority": "priority",
        "weight": "weight",
    },
)
class AiGatewayRouteSpecRulesBackendRefs:
    def __init__(
        self,
        *,
        name: builtins.str,
        body_mutation: typing.Optional[typing.Union["AiGatewayRouteSpecRulesBackendRefsBodyMutation", typing.Dict[builtins.str, typing.Any]]] = None,
        group: typing.Optional[builtins.str] = None,
        header_mutation: typing.Optional[typing.Union["AiGatewayRouteSpecRulesBackendRefsHeaderMutation", typing.Dict[builtins.str, typing.Any]]] = None,
        kind: typing.Optional[builtins.str] = None,
        model_name_override: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        priority: typing.Optional[jsii.Number] = None,
        weight: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''AIGatewayRouteRuleBackendRef is a reference to a backend with a weight.

        It can reference either an AIServiceBackend or an InferencePool resource.

        :param name: Name is the name of the backend resource. When Group and Kind are not specified, this refers to an AIServiceBackend. When Group and Kind are specified, this refers to the resource of the specified type.
        :param body_mutation: BodyMutation defines the request body mutation to be applied to this backend. This allows modification of JSON fields in the request body before sending to the backend. When both route-level and backend-level BodyMutation are defined, route-level takes precedence over backend-level for conflicting operations. This field is ignored when referencing InferencePool resources.
        :param group: Group is the group of the backend resource. When not specified, defaults to aigateway.envoyproxy.io (AIServiceBackend). Currently, only "inference.networking.k8s.io" is supported for InferencePool resources.
        :param header_mutation: HeaderMutation defines the request header mutation to be applied to this backend. When both route-level and backend-level HeaderMutation are defined, route-level takes precedence over backend-level for conflicting operations. This field is ignored when referencing InferencePool resources.
        :param kind: Kind is the kind of the backend resource. When not specified, defaults to AIServiceBackend. Currently, only "InferencePool" is supported when Group is specified.
        :param model_name_override: Name of the model in the backend. If provided this will override the name provided in the request. This field is ignored when referencing InferencePool resources.
        :param namespace: Namespace is the namespace of the backend resource. When unspecified (or empty string), this refers to the local namespace of the AIGatewayRoute. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details.
        :param priority: Priority is the priority of the backend. This sets the priority on the underlying endpoints. See: https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority Note: This will override the ``faillback`` property of the underlying Envoy Gateway Backend This field is ignored when referencing InferencePool resources. Default is 0. Default: 0.
        :param weight: Weight is the weight of the backend. This is exactly the same as the weight in the BackendRef in the Gateway API. See for the details: https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.BackendRef Default is 1. Default: 1.

        :schema: AiGatewayRouteSpecRulesBackendRefs
        '''
        if isinstance(body_mutation, dict):
            body_mutation = AiGatewayRouteSpecRulesBackendRefsBodyMutation(**body_mutation)
        if isinstance(header_mutation, dict):
            header_mutation = AiGatewayRouteSpecRulesBackendRefsHeaderMutation(**header_mutation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__7bbf9806f98afac2fd3465c883e3f79a1bf4327490b1e79978e3f5e0c7ce75aa)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument body_mutation", value=body_mutation, expected_type=type_hints["body_mutation"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument header_mutation", value=header_mutation, expected_type=type_hints["header_mutation"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument model_name_override", value=model_name_override, expected_type=type_hints["model_name_override"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
            check_type(argname="argument priority", value=priority, expected_type=type_hints["priority"])
            check_type(argname="argument weight", value=weight, expected_type=type_hints["weight"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if body_mutation is not None:
            self._values["body_mutation"] = body_mutation
        if group is not None:
            self._values["group"] = group
        if header_mutation is not None:
            self._values["header_mutation"] = header_mutation
        if kind is not None:
            self._values["kind"] = kind
        if model_name_override is not None:
            self._values["model_name_override"] = model_name_override
        if namespace is not None:
            self._values["namespace"] = namespace
        if priority is not None:
            self._values["priority"] = priority
        if weight is not None:
            self._values["weight"] = weight

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the backend resource.

        When Group and Kind are not specified, this refers to an AIServiceBackend.
        When Group and Kind are specified, this refers to the resource of the specified type.

        :schema: AiGatewayRouteSpecRulesBackendRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def body_mutation(
        self,
    ) -> typing.Optional["AiGatewayRouteSpecRulesBackendRefsBodyMutation"]:
        '''BodyMutation defines the request body mutation to be applied to this backend.

        This allows modification of JSON fields in the request body before sending to the backend.
        When both route-level and backend-level BodyMutation are defined,
        route-level takes precedence over backend-level for conflicting operations.
        This field is ignored when referencing InferencePool resources.

        :schema: AiGatewayRouteSpecRulesBackendRefs#bodyMutation
        '''
        result = self._values.get("body_mutation")
        return typing.cast(typing.Optional["AiGatewayRouteSpecRulesBackendRefsBodyMutation"], result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the backend resource.

        When not specified, defaults to aigateway.envoyproxy.io (AIServiceBackend).
        Currently, only "inference.networking.k8s.io" is supported for InferencePool resources.

        :schema: AiGatewayRouteSpecRulesBackendRefs#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def header_mutation(
        self,
    ) -> typing.Optional["AiGatewayRouteSpecRulesBackendRefsHeaderMutation"]:
        '''HeaderMutation defines the request header mutation to be applied to this backend.

        When both route-level and backend-level HeaderMutation are defined,
        route-level takes precedence over backend-level for conflicting operations.
        This field is ignored when referencing InferencePool resources.

        :schema: AiGatewayRouteSpecRulesBackendRefs#headerMutation
        '''
        result = self._values.get("header_mutation")
        return typing.cast(typing.Optional["AiGatewayRouteSpecRulesBackendRefsHeaderMutation"], result)

    @builtins.property
    def kind(self) -> typing.Optional[builtins.str]:
        '''Kind is the kind of the backend resource.

        When not specified, defaults to AIServiceBackend.
        Currently, only "InferencePool" is supported when Group is specified.

        :schema: AiGatewayRouteSpecRulesBackendRefs#kind
        '''
        result = self._values.get("kind")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def model_name_override(self) -> typing.Optional[builtins.str]:
        '''Name of the model in the backend.

        If provided this will override the name provided in the request.
        This field is ignored when referencing InferencePool resources.

        :schema: AiGatewayRouteSpecRulesBackendRefs#modelNameOverride
        '''
        result = self._values.get("model_name_override")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the backend resource.

        When unspecified (or empty string), this refers to the local namespace of the AIGatewayRoute.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        :schema: AiGatewayRouteSpecRulesBackendRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def priority(self) -> typing.Optional[jsii.Number]:
        '''Priority is the priority of the backend.

        This sets the priority on the underlying endpoints.
        See: https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority
        Note: This will override the ``faillback`` property of the underlying Envoy Gateway Backend
        This field is ignored when referencing InferencePool resources.

        Default is 0.

        :default: 0.

        :schema: AiGatewayRouteSpecRulesBackendRefs#priority
        '''
        result = self._values.get("priority")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def weight(self) -> typing.Optional[jsii.Number]:
        '''Weight is the weight of the backend.

        This is exactly the same as the weight in
        the BackendRef in the Gateway API. See for the details:
        https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.BackendRef

        Default is 1.

        :default: 1.

        :schema: AiGatewayRouteSpecRulesBackendRefs#weight
        '''
        result = self._values.get("weight")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesBackendRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesBackendRefsBodyMutation",
    jsii_struct_bases=[],
    name_mapping={"remove": "remove", "set": "set"},
)
class AiGatewayRouteSpecRulesBackendRefsBodyMutation:
    def __init__(
        self,
        *,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecRulesBackendRefsBodyMutationSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''BodyMutation defines the request body mutation to be applied to this backend.

        This allows modification of JSON fields in the request body before sending to the backend.
        When both route-level and backend-level BodyMutation are defined,
        route-level takes precedence over backend-level for conflicting operations.
        This field is ignored when referencing InferencePool resources.

        :param remove: Remove the given JSON field(s) from the HTTP request body before sending to the backend. The value of Remove is a list of top-level field names to remove. Input: { "model": "gpt-4", "service_tier": "default", "internal_flag": true } Config: remove: ["service_tier", "internal_flag"] Output: { "model": "gpt-4" }
        :param set: Set overwrites/adds the request body with the given JSON field (name, value) before sending to the backend. Only top-level fields are currently supported. Input: { "model": "gpt-4", "service_tier": "default" } Config: set: - path: "service_tier" value: "scale" Output: { "model": "gpt-4", "service_tier": "scale" }

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__406e25f5e543a37ecd2773526019216e6bd5437d95bfb3e9de836874e2a6fcef)
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def remove(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Remove the given JSON field(s) from the HTTP request body before sending to the backend.

        The value of Remove is a list of top-level field names to remove.

        Input:
        {
        "model": "gpt-4",
        "service_tier": "default",
        "internal_flag": true
        }

        Config:
        remove: ["service_tier", "internal_flag"]

        Output:
        {
        "model": "gpt-4"
        }

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutation#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefsBodyMutationSet"]]:
        '''Set overwrites/adds the request body with the given JSON field (name, value) before sending to the backend.

        Only top-level fields are currently supported.

        Input:
        {
        "model": "gpt-4",
        "service_tier": "default"
        }

        Config:
        set:

        - path: "service_tier"
          value: "scale"

        Output:
        {
        "model": "gpt-4",
        "service_tier": "scale"
        }

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutation#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefsBodyMutationSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesBackendRefsBodyMutation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesBackendRefsBodyMutationSet",
    jsii_struct_bases=[],
    name_mapping={"path": "path", "value": "value"},
)
class AiGatewayRouteSpecRulesBackendRefsBodyMutationSet:
    def __init__(self, *, path: builtins.str, value: builtins.str) -> None:
        '''HTTPBodyField represents a JSON field name and value for body mutation.

        :param path: Path is the top-level field name to set in the request body. Examples: "service_tier", "max_tokens", "temperature"
        :param value: Value is the JSON value to set at the specified field. This can be any valid JSON value: string, number, boolean, object, array, or null. The value will be parsed as JSON and inserted at the specified field. Examples: - ""scale"" (string) - "42" (number) - "true" (boolean) - "{"key": "value"}" (object) - "[1, 2, 3]" (array) - "null" (null)

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutationSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__af8b4278df659cc4aa351692c6e2e511198217923fc70a6793ada614c32b8127)
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "path": path,
            "value": value,
        }

    @builtins.property
    def path(self) -> builtins.str:
        '''Path is the top-level field name to set in the request body.

        Examples: "service_tier", "max_tokens", "temperature"

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutationSet#path
        '''
        result = self._values.get("path")
        assert result is not None, "Required property 'path' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the JSON value to set at the specified field.

        This can be any valid JSON value:
        string, number, boolean, object, array, or null.
        The value will be parsed as JSON and inserted at the specified field.

        Examples:

        - ""scale"" (string)
        - "42" (number)
        - "true" (boolean)
        - "{"key": "value"}" (object)
        - "[1, 2, 3]" (array)
        - "null" (null)

        :schema: AiGatewayRouteSpecRulesBackendRefsBodyMutationSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesBackendRefsBodyMutationSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesBackendRefsHeaderMutation",
    jsii_struct_bases=[],
    name_mapping={"remove": "remove", "set": "set"},
)
class AiGatewayRouteSpecRulesBackendRefsHeaderMutation:
    def __init__(
        self,
        *,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''HeaderMutation defines the request header mutation to be applied to this backend.

        When both route-level and backend-level HeaderMutation are defined,
        route-level takes precedence over backend-level for conflicting operations.
        This field is ignored when referencing InferencePool resources.

        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites/adds the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c1e2fd99acbed28ab4bc602f647044ce50c20be04a360deba543c494b74f11f2)
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def remove(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Remove the given header(s) from the HTTP request before the action.

        The
        value of Remove is a list of HTTP header names. Note that the header
        names are case-insensitive (see
        https://datatracker.ietf.org/doc/html/rfc2616#section-4.2).

        Input:
        GET /foo HTTP/1.1
        my-header1: foo
        my-header2: bar
        my-header3: baz

        Config:
        remove: ["my-header1", "my-header3"]

        Output:
        GET /foo HTTP/1.1
        my-header2: bar

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutation#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet"]]:
        '''Set overwrites/adds the request with the given header (name, value) before the action.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        set:

        - name: "my-header"
          value: "bar"

        Output:
        GET /foo HTTP/1.1
        my-header: bar

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutation#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesBackendRefsHeaderMutation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched. `gateway:experimental:description <gateway:experimental:description>`_ Must consist of printable US-ASCII characters, optionally separated by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2 </gateway:experimental:description> <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__338f2383f8b955d0d633d2966ca1361b735aedbdbfa4bd217d9e3fe2d7641e64)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
            "value": value,
        }

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2).

        If multiple entries specify equivalent header names, the first entry with
        an equivalent name MUST be considered for a match. Subsequent entries
        with an equivalent header name MUST be ignored. Due to the
        case-insensitivity of header names, "foo" and "Foo" are considered
        equivalent.

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        `gateway:experimental:description <gateway:experimental:description>`_
        Must consist of printable US-ASCII characters, optionally separated
        by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2
        </gateway:experimental:description>

        <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>

        :schema: AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesMatches",
    jsii_struct_bases=[],
    name_mapping={"headers": "headers"},
)
class AiGatewayRouteSpecRulesMatches:
    def __init__(
        self,
        *,
        headers: typing.Optional[typing.Sequence[typing.Union["AiGatewayRouteSpecRulesMatchesHeaders", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''
        :param headers: Headers specifies HTTP request header matchers. See HeaderMatch in the Gateway API for the details: https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPHeaderMatch

        :schema: AiGatewayRouteSpecRulesMatches
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b08556121293a35cc058dc7f1e46ec4ec646e5ab83e99f9102cf752b6b2a0560)
            check_type(argname="argument headers", value=headers, expected_type=type_hints["headers"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if headers is not None:
            self._values["headers"] = headers

    @builtins.property
    def headers(
        self,
    ) -> typing.Optional[typing.List["AiGatewayRouteSpecRulesMatchesHeaders"]]:
        '''Headers specifies HTTP request header matchers.

        See HeaderMatch in the Gateway API for the details:
        https://gateway-api.sigs.k8s.io/reference/spec/#gateway.networking.k8s.io%2fv1.HTTPHeaderMatch

        :schema: AiGatewayRouteSpecRulesMatches#headers
        '''
        result = self._values.get("headers")
        return typing.cast(typing.Optional[typing.List["AiGatewayRouteSpecRulesMatchesHeaders"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesMatches(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesMatchesHeaders",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value", "type": "type"},
)
class AiGatewayRouteSpecRulesMatchesHeaders:
    def __init__(
        self,
        *,
        name: builtins.str,
        value: builtins.str,
        type: typing.Optional["AiGatewayRouteSpecRulesMatchesHeadersType"] = None,
    ) -> None:
        '''HTTPHeaderMatch describes how to select a HTTP route by matching HTTP request headers.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, only the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent. When a header is repeated in an HTTP request, it is implementation-specific behavior as to how this is represented. Generally, proxies should follow the guidance from the RFC: https://www.rfc-editor.org/rfc/rfc7230.html#section-3.2.2 regarding processing a repeated header, with special handling for "Set-Cookie".
        :param value: Value is the value of HTTP Header to be matched. `gateway:experimental:description <gateway:experimental:description>`_ Must consist of printable US-ASCII characters, optionally separated by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2 </gateway:experimental:description> <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>
        :param type: Type specifies how to match against the value of the header. Support: Core (Exact) Support: Implementation-specific (RegularExpression) Since RegularExpression HeaderMatchType has implementation-specific conformance, implementations can support POSIX, PCRE or any other dialects of regular expressions. Please read the implementation's documentation to determine the supported dialect.

        :schema: AiGatewayRouteSpecRulesMatchesHeaders
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__293d33e29cf16bb24935cfeba5f9841393dfc0dc5502e506d49688cbf3c9ca18)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
            "value": value,
        }
        if type is not None:
            self._values["type"] = type

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2).

        If multiple entries specify equivalent header names, only the first
        entry with an equivalent name MUST be considered for a match. Subsequent
        entries with an equivalent header name MUST be ignored. Due to the
        case-insensitivity of header names, "foo" and "Foo" are considered
        equivalent.

        When a header is repeated in an HTTP request, it is
        implementation-specific behavior as to how this is represented.
        Generally, proxies should follow the guidance from the RFC:
        https://www.rfc-editor.org/rfc/rfc7230.html#section-3.2.2 regarding
        processing a repeated header, with special handling for "Set-Cookie".

        :schema: AiGatewayRouteSpecRulesMatchesHeaders#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        `gateway:experimental:description <gateway:experimental:description>`_
        Must consist of printable US-ASCII characters, optionally separated
        by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2
        </gateway:experimental:description>

        <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>

        :schema: AiGatewayRouteSpecRulesMatchesHeaders#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def type(self) -> typing.Optional["AiGatewayRouteSpecRulesMatchesHeadersType"]:
        '''Type specifies how to match against the value of the header.

        Support: Core (Exact)

        Support: Implementation-specific (RegularExpression)

        Since RegularExpression HeaderMatchType has implementation-specific
        conformance, implementations can support POSIX, PCRE or any other dialects
        of regular expressions. Please read the implementation's documentation to
        determine the supported dialect.

        :schema: AiGatewayRouteSpecRulesMatchesHeaders#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional["AiGatewayRouteSpecRulesMatchesHeadersType"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesMatchesHeaders(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesMatchesHeadersType")
class AiGatewayRouteSpecRulesMatchesHeadersType(enum.Enum):
    '''Type specifies how to match against the value of the header.

    Support: Core (Exact)

    Support: Implementation-specific (RegularExpression)

    Since RegularExpression HeaderMatchType has implementation-specific
    conformance, implementations can support POSIX, PCRE or any other dialects
    of regular expressions. Please read the implementation's documentation to
    determine the supported dialect.

    :schema: AiGatewayRouteSpecRulesMatchesHeadersType
    '''

    EXACT = "EXACT"
    '''Exact.'''
    REGULAR_EXPRESSION = "REGULAR_EXPRESSION"
    '''RegularExpression.'''


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiGatewayRouteSpecRulesTimeouts",
    jsii_struct_bases=[],
    name_mapping={"backend_request": "backendRequest", "request": "request"},
)
class AiGatewayRouteSpecRulesTimeouts:
    def __init__(
        self,
        *,
        backend_request: typing.Optional[builtins.str] = None,
        request: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Timeouts defines the timeouts that can be configured for an HTTP request.

        If this field is not set, or the timeout.requestTimeout is nil, Envoy AI Gateway defaults to
        set 60s for the request timeout as opposed to 15s of the Envoy Gateway's default value.

        For streaming responses (like chat completions with stream=true), consider setting
        longer timeouts as the response may take time until the completion. Timeouts.Request
        acts as the maximum total time the gateway will wait for the entire response,
        including all streamed chunks.

        :param backend_request: BackendRequest specifies a timeout for an individual request from the gateway to a backend. This covers the time from when the request first starts being sent from the gateway to when the full response has been received from the backend. Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout completely. Implementations that cannot completely disable the timeout MUST instead interpret the zero duration as the longest possible value to which the timeout can be set. An entire client HTTP transaction with a gateway, covered by the Request timeout, may result in more than one call from the gateway to the destination backend, for example, if automatic retries are supported. The value of BackendRequest must be a Gateway API Duration string as defined by GEP-2257. When this field is unspecified, its behavior is implementation-specific; when specified, the value of BackendRequest must be no more than the value of the Request timeout (since the Request timeout encompasses the BackendRequest timeout). Support: Extended
        :param request: Request specifies the maximum duration for a gateway to respond to an HTTP request. If the gateway has not been able to respond before this deadline is met, the gateway MUST return a timeout error. For example, setting the ``rules.timeouts.request`` field to the value ``10s`` in an ``HTTPRoute`` will cause a timeout if a client request is taking longer than 10 seconds to complete. Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout completely. Implementations that cannot completely disable the timeout MUST instead interpret the zero duration as the longest possible value to which the timeout can be set. This timeout is intended to cover as close to the whole request-response transaction as possible although an implementation MAY choose to start the timeout after the entire request stream has been received instead of immediately after the transaction is initiated by the client. The value of Request is a Gateway API Duration string as defined by GEP-2257. When this field is unspecified, request timeout behavior is implementation-specific. Support: Extended

        :schema: AiGatewayRouteSpecRulesTimeouts
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__d978bda485e94000040bedc451bdecc6d85639c2529f11ee2bb51ab841730c1e)
            check_type(argname="argument backend_request", value=backend_request, expected_type=type_hints["backend_request"])
            check_type(argname="argument request", value=request, expected_type=type_hints["request"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if backend_request is not None:
            self._values["backend_request"] = backend_request
        if request is not None:
            self._values["request"] = request

    @builtins.property
    def backend_request(self) -> typing.Optional[builtins.str]:
        '''BackendRequest specifies a timeout for an individual request from the gateway to a backend.

        This covers the time from when the request first starts being
        sent from the gateway to when the full response has been received from the backend.

        Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout
        completely. Implementations that cannot completely disable the timeout MUST
        instead interpret the zero duration as the longest possible value to which
        the timeout can be set.

        An entire client HTTP transaction with a gateway, covered by the Request timeout,
        may result in more than one call from the gateway to the destination backend,
        for example, if automatic retries are supported.

        The value of BackendRequest must be a Gateway API Duration string as defined by
        GEP-2257.  When this field is unspecified, its behavior is implementation-specific;
        when specified, the value of BackendRequest must be no more than the value of the
        Request timeout (since the Request timeout encompasses the BackendRequest timeout).

        Support: Extended

        :schema: AiGatewayRouteSpecRulesTimeouts#backendRequest
        '''
        result = self._values.get("backend_request")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def request(self) -> typing.Optional[builtins.str]:
        '''Request specifies the maximum duration for a gateway to respond to an HTTP request.

        If the gateway has not been able to respond before this deadline is met, the gateway
        MUST return a timeout error.

        For example, setting the ``rules.timeouts.request`` field to the value ``10s`` in an
        ``HTTPRoute`` will cause a timeout if a client request is taking longer than 10 seconds
        to complete.

        Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout
        completely. Implementations that cannot completely disable the timeout MUST
        instead interpret the zero duration as the longest possible value to which
        the timeout can be set.

        This timeout is intended to cover as close to the whole request-response transaction
        as possible although an implementation MAY choose to start the timeout after the entire
        request stream has been received instead of immediately after the transaction is
        initiated by the client.

        The value of Request is a Gateway API Duration string as defined by GEP-2257. When this
        field is unspecified, request timeout behavior is implementation-specific.

        Support: Extended

        :schema: AiGatewayRouteSpecRulesTimeouts#request
        '''
        result = self._values.get("request")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiGatewayRouteSpecRulesTimeouts(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class AiServiceBackend(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.AiServiceBackend",
):
    '''AIServiceBackend is a resource that represents a single backend for AIGatewayRoute.

    A backend is a service that handles traffic with a concrete API specification.

    A AIServiceBackend is "attached" to a Backend which is either a k8s Service or a Backend resource of the Envoy Gateway.

    When a backend with an attached AIServiceBackend is used as a routing target in the AIGatewayRoute (more precisely, the
    HTTPRouteSpec defined in the AIGatewayRoute), the ai-gateway will generate the necessary configuration to do
    the backend specific logic in the final HTTPRoute.

    :schema: AIServiceBackend
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiServiceBackendSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "AIServiceBackend" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Spec defines the details of AIServiceBackend.
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3270229bd37079d7c8305f3d775e9afc37b7acf3112d5cec3be366c73d3deedd)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = AiServiceBackendProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiServiceBackendSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "AIServiceBackend".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Spec defines the details of AIServiceBackend.
        '''
        props = AiServiceBackendProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "AIServiceBackend".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class AiServiceBackendProps:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AiServiceBackendSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''AIServiceBackend is a resource that represents a single backend for AIGatewayRoute.

        A backend is a service that handles traffic with a concrete API specification.

        A AIServiceBackend is "attached" to a Backend which is either a k8s Service or a Backend resource of the Envoy Gateway.

        When a backend with an attached AIServiceBackend is used as a routing target in the AIGatewayRoute (more precisely, the
        HTTPRouteSpec defined in the AIGatewayRoute), the ai-gateway will generate the necessary configuration to do
        the backend specific logic in the final HTTPRoute.

        :param metadata: 
        :param spec: Spec defines the details of AIServiceBackend.

        :schema: AIServiceBackend
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = AiServiceBackendSpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a43aad98d00120fc9b650138142a9fa6459985c91aacfdd78c6fc2aa39058ab1)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: AIServiceBackend#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["AiServiceBackendSpec"]:
        '''Spec defines the details of AIServiceBackend.

        :schema: AIServiceBackend#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["AiServiceBackendSpec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpec",
    jsii_struct_bases=[],
    name_mapping={
        "backend_ref": "backendRef",
        "schema": "schema",
        "body_mutation": "bodyMutation",
        "header_mutation": "headerMutation",
    },
)
class AiServiceBackendSpec:
    def __init__(
        self,
        *,
        backend_ref: typing.Union["AiServiceBackendSpecBackendRef", typing.Dict[builtins.str, typing.Any]],
        schema: typing.Union["AiServiceBackendSpecSchema", typing.Dict[builtins.str, typing.Any]],
        body_mutation: typing.Optional[typing.Union["AiServiceBackendSpecBodyMutation", typing.Dict[builtins.str, typing.Any]]] = None,
        header_mutation: typing.Optional[typing.Union["AiServiceBackendSpecHeaderMutation", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Spec defines the details of AIServiceBackend.

        :param backend_ref: BackendRef is the reference to the Backend resource that this AIServiceBackend corresponds to. A backend must be a Backend resource of Envoy Gateway. Note that k8s Service will be supported as a backend in the future. See https://github.com/envoyproxy/ai-gateway/issues/902 for more details. This is required to be set.
        :param schema: APISchema specifies the API schema of the output format of requests from Envoy that this AIServiceBackend can accept as incoming requests. Based on this schema, the ai-gateway will perform the necessary transformation for the pair of AIGatewayRouteSpec.APISchema and AIServiceBackendSpec.APISchema. This is required to be set.
        :param body_mutation: BodyMutation defines the mutation of HTTP request body JSON fields that will be applied to the request before sending it to the backend.
        :param header_mutation: HeaderMutation defines the mutation of HTTP headers that will be applied to the request before sending it to the backend.

        :schema: AiServiceBackendSpec
        '''
        if isinstance(backend_ref, dict):
            backend_ref = AiServiceBackendSpecBackendRef(**backend_ref)
        if isinstance(schema, dict):
            schema = AiServiceBackendSpecSchema(**schema)
        if isinstance(body_mutation, dict):
            body_mutation = AiServiceBackendSpecBodyMutation(**body_mutation)
        if isinstance(header_mutation, dict):
            header_mutation = AiServiceBackendSpecHeaderMutation(**header_mutation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a2c11c8ca15faa9a3e40e161ee752a204facf83dc9b41383d6788f3bded804ee)
            check_type(argname="argument backend_ref", value=backend_ref, expected_type=type_hints["backend_ref"])
            check_type(argname="argument schema", value=schema, expected_type=type_hints["schema"])
            check_type(argname="argument body_mutation", value=body_mutation, expected_type=type_hints["body_mutation"])
            check_type(argname="argument header_mutation", value=header_mutation, expected_type=type_hints["header_mutation"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "backend_ref": backend_ref,
            "schema": schema,
        }
        if body_mutation is not None:
            self._values["body_mutation"] = body_mutation
        if header_mutation is not None:
            self._values["header_mutation"] = header_mutation

    @builtins.property
    def backend_ref(self) -> "AiServiceBackendSpecBackendRef":
        '''BackendRef is the reference to the Backend resource that this AIServiceBackend corresponds to.

        A backend must be a Backend resource of Envoy Gateway. Note that k8s Service will be supported
        as a backend in the future. See https://github.com/envoyproxy/ai-gateway/issues/902 for more details.

        This is required to be set.

        :schema: AiServiceBackendSpec#backendRef
        '''
        result = self._values.get("backend_ref")
        assert result is not None, "Required property 'backend_ref' is missing"
        return typing.cast("AiServiceBackendSpecBackendRef", result)

    @builtins.property
    def schema(self) -> "AiServiceBackendSpecSchema":
        '''APISchema specifies the API schema of the output format of requests from Envoy that this AIServiceBackend can accept as incoming requests.

        Based on this schema, the ai-gateway will perform the necessary transformation for
        the pair of AIGatewayRouteSpec.APISchema and AIServiceBackendSpec.APISchema.

        This is required to be set.

        :schema: AiServiceBackendSpec#schema
        '''
        result = self._values.get("schema")
        assert result is not None, "Required property 'schema' is missing"
        return typing.cast("AiServiceBackendSpecSchema", result)

    @builtins.property
    def body_mutation(self) -> typing.Optional["AiServiceBackendSpecBodyMutation"]:
        '''BodyMutation defines the mutation of HTTP request body JSON fields that will be applied to the request before sending it to the backend.

        :schema: AiServiceBackendSpec#bodyMutation
        '''
        result = self._values.get("body_mutation")
        return typing.cast(typing.Optional["AiServiceBackendSpecBodyMutation"], result)

    @builtins.property
    def header_mutation(self) -> typing.Optional["AiServiceBackendSpecHeaderMutation"]:
        '''HeaderMutation defines the mutation of HTTP headers that will be applied to the request before sending it to the backend.

        :schema: AiServiceBackendSpec#headerMutation
        '''
        result = self._values.get("header_mutation")
        return typing.cast(typing.Optional["AiServiceBackendSpecHeaderMutation"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecBackendRef",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
        "port": "port",
    },
)
class AiServiceBackendSpecBackendRef:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        port: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''BackendRef is the reference to the Backend resource that this AIServiceBackend corresponds to.

        A backend must be a Backend resource of Envoy Gateway. Note that k8s Service will be supported
        as a backend in the future. See https://github.com/envoyproxy/ai-gateway/issues/902 for more details.

        This is required to be set.

        :param name: Name is the name of the referent.
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is the Kubernetes resource kind of the referent. For example "Service". Defaults to "Service" when not specified. ExternalName services can refer to CNAME DNS records that may live outside of the cluster and as such are difficult to reason about in terms of conformance. They also may not be safe to forward to (see CVE-2021-25740 for more information). Implementations SHOULD NOT support ExternalName Services. Support: Core (Services with a type other than ExternalName) Support: Implementation-specific (Services with type ExternalName) Default: Service" when not specified.
        :param namespace: Namespace is the namespace of the backend. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core
        :param port: Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service. In this case, the port number is the service port number, not the target port. For other resources, destination port might be derived from the referent resource or this field.

        :schema: AiServiceBackendSpecBackendRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__90598b3f309b2551321a7bcfe80e32ab19654137ff83eb8b413067aa0c5445fc)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if kind is not None:
            self._values["kind"] = kind
        if namespace is not None:
            self._values["namespace"] = namespace
        if port is not None:
            self._values["port"] = port

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: AiServiceBackendSpecBackendRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: AiServiceBackendSpecBackendRef#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def kind(self) -> typing.Optional[builtins.str]:
        '''Kind is the Kubernetes resource kind of the referent. For example "Service".

        Defaults to "Service" when not specified.

        ExternalName services can refer to CNAME DNS records that may live
        outside of the cluster and as such are difficult to reason about in
        terms of conformance. They also may not be safe to forward to (see
        CVE-2021-25740 for more information). Implementations SHOULD NOT
        support ExternalName Services.

        Support: Core (Services with a type other than ExternalName)

        Support: Implementation-specific (Services with type ExternalName)

        :default: Service" when not specified.

        :schema: AiServiceBackendSpecBackendRef#kind
        '''
        result = self._values.get("kind")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the backend. When unspecified, the local namespace is inferred.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        Support: Core

        :schema: AiServiceBackendSpecBackendRef#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def port(self) -> typing.Optional[jsii.Number]:
        '''Port specifies the destination port number to use for this resource.

        Port is required when the referent is a Kubernetes Service. In this
        case, the port number is the service port number, not the target port.
        For other resources, destination port might be derived from the referent
        resource or this field.

        :schema: AiServiceBackendSpecBackendRef#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecBackendRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecBodyMutation",
    jsii_struct_bases=[],
    name_mapping={"remove": "remove", "set": "set"},
)
class AiServiceBackendSpecBodyMutation:
    def __init__(
        self,
        *,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["AiServiceBackendSpecBodyMutationSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''BodyMutation defines the mutation of HTTP request body JSON fields that will be applied to the request before sending it to the backend.

        :param remove: Remove the given JSON field(s) from the HTTP request body before sending to the backend. The value of Remove is a list of top-level field names to remove. Input: { "model": "gpt-4", "service_tier": "default", "internal_flag": true } Config: remove: ["service_tier", "internal_flag"] Output: { "model": "gpt-4" }
        :param set: Set overwrites/adds the request body with the given JSON field (name, value) before sending to the backend. Only top-level fields are currently supported. Input: { "model": "gpt-4", "service_tier": "default" } Config: set: - path: "service_tier" value: "scale" Output: { "model": "gpt-4", "service_tier": "scale" }

        :schema: AiServiceBackendSpecBodyMutation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b858e9b416dd2899e7368c01d9774d9b13c3adb88122719112be67c839029389)
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def remove(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Remove the given JSON field(s) from the HTTP request body before sending to the backend.

        The value of Remove is a list of top-level field names to remove.

        Input:
        {
        "model": "gpt-4",
        "service_tier": "default",
        "internal_flag": true
        }

        Config:
        remove: ["service_tier", "internal_flag"]

        Output:
        {
        "model": "gpt-4"
        }

        :schema: AiServiceBackendSpecBodyMutation#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["AiServiceBackendSpecBodyMutationSet"]]:
        '''Set overwrites/adds the request body with the given JSON field (name, value) before sending to the backend.

        Only top-level fields are currently supported.

        Input:
        {
        "model": "gpt-4",
        "service_tier": "default"
        }

        Config:
        set:

        - path: "service_tier"
          value: "scale"

        Output:
        {
        "model": "gpt-4",
        "service_tier": "scale"
        }

        :schema: AiServiceBackendSpecBodyMutation#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["AiServiceBackendSpecBodyMutationSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecBodyMutation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecBodyMutationSet",
    jsii_struct_bases=[],
    name_mapping={"path": "path", "value": "value"},
)
class AiServiceBackendSpecBodyMutationSet:
    def __init__(self, *, path: builtins.str, value: builtins.str) -> None:
        '''HTTPBodyField represents a JSON field name and value for body mutation.

        :param path: Path is the top-level field name to set in the request body. Examples: "service_tier", "max_tokens", "temperature"
        :param value: Value is the JSON value to set at the specified field. This can be any valid JSON value: string, number, boolean, object, array, or null. The value will be parsed as JSON and inserted at the specified field. Examples: - ""scale"" (string) - "42" (number) - "true" (boolean) - "{"key": "value"}" (object) - "[1, 2, 3]" (array) - "null" (null)

        :schema: AiServiceBackendSpecBodyMutationSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__845b8c397cbc00bb89bb556fb975a6180948b7507343b470e8053681f66ab016)
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "path": path,
            "value": value,
        }

    @builtins.property
    def path(self) -> builtins.str:
        '''Path is the top-level field name to set in the request body.

        Examples: "service_tier", "max_tokens", "temperature"

        :schema: AiServiceBackendSpecBodyMutationSet#path
        '''
        result = self._values.get("path")
        assert result is not None, "Required property 'path' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the JSON value to set at the specified field.

        This can be any valid JSON value:
        string, number, boolean, object, array, or null.
        The value will be parsed as JSON and inserted at the specified field.

        Examples:

        - ""scale"" (string)
        - "42" (number)
        - "true" (boolean)
        - "{"key": "value"}" (object)
        - "[1, 2, 3]" (array)
        - "null" (null)

        :schema: AiServiceBackendSpecBodyMutationSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecBodyMutationSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecHeaderMutation",
    jsii_struct_bases=[],
    name_mapping={"remove": "remove", "set": "set"},
)
class AiServiceBackendSpecHeaderMutation:
    def __init__(
        self,
        *,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["AiServiceBackendSpecHeaderMutationSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''HeaderMutation defines the mutation of HTTP headers that will be applied to the request before sending it to the backend.

        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites/adds the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: AiServiceBackendSpecHeaderMutation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__47fb72b62b4aee7d21cb5b13d021eaed3f52ece21aee7240da2f8d197154d4c1)
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def remove(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Remove the given header(s) from the HTTP request before the action.

        The
        value of Remove is a list of HTTP header names. Note that the header
        names are case-insensitive (see
        https://datatracker.ietf.org/doc/html/rfc2616#section-4.2).

        Input:
        GET /foo HTTP/1.1
        my-header1: foo
        my-header2: bar
        my-header3: baz

        Config:
        remove: ["my-header1", "my-header3"]

        Output:
        GET /foo HTTP/1.1
        my-header2: bar

        :schema: AiServiceBackendSpecHeaderMutation#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["AiServiceBackendSpecHeaderMutationSet"]]:
        '''Set overwrites/adds the request with the given header (name, value) before the action.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        set:

        - name: "my-header"
          value: "bar"

        Output:
        GET /foo HTTP/1.1
        my-header: bar

        :schema: AiServiceBackendSpecHeaderMutation#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["AiServiceBackendSpecHeaderMutationSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecHeaderMutation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecHeaderMutationSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class AiServiceBackendSpecHeaderMutationSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched. `gateway:experimental:description <gateway:experimental:description>`_ Must consist of printable US-ASCII characters, optionally separated by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2 </gateway:experimental:description> <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>

        :schema: AiServiceBackendSpecHeaderMutationSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f3403c9c4d6e7cb9e9f9ddc3b612a5465578e97310ab3e6b5374aa1611694ecd)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
            "value": value,
        }

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2).

        If multiple entries specify equivalent header names, the first entry with
        an equivalent name MUST be considered for a match. Subsequent entries
        with an equivalent header name MUST be ignored. Due to the
        case-insensitivity of header names, "foo" and "Foo" are considered
        equivalent.

        :schema: AiServiceBackendSpecHeaderMutationSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        `gateway:experimental:description <gateway:experimental:description>`_
        Must consist of printable US-ASCII characters, optionally separated
        by single tabs or spaces. See: https://tools.ietf.org/html/rfc7230#section-3.2
        </gateway:experimental:description>

        <gateway:experimental:validation:Pattern=``^[!-~]+([\\t ]?[!-~]+)*$``>

        :schema: AiServiceBackendSpecHeaderMutationSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecHeaderMutationSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecSchema",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "prefix": "prefix", "version": "version"},
)
class AiServiceBackendSpecSchema:
    def __init__(
        self,
        *,
        name: "AiServiceBackendSpecSchemaName",
        prefix: typing.Optional[builtins.str] = None,
        version: typing.Optional[builtins.str] = None,
    ) -> None:
        '''APISchema specifies the API schema of the output format of requests from Envoy that this AIServiceBackend can accept as incoming requests.

        Based on this schema, the ai-gateway will perform the necessary transformation for
        the pair of AIGatewayRouteSpec.APISchema and AIServiceBackendSpec.APISchema.

        This is required to be set.

        :param name: Name is the name of the API schema of the AIGatewayRoute or AIServiceBackend.
        :param prefix: Prefix is the prefix for the API. When the name is set to "OpenAI", "chat completions" API endpoint will be "${this_field}/chat/completions". When the name is set to "Anthropic", the "messages" API endpoint will be "${this_field}/messages". It can be with or without a leading slash ("/"). This field is ignored for AWSAnthropic and GCPAnthropic. This is especially useful when routing to a backend that has an OpenAI or Anthropic compatible API but has a different prefix. For example, Gemini OpenAI compatible API (https://ai.google.dev/gemini-api/docs/openai) uses "/v1beta/openai" prefix. Another example is that Cohere AI (https://docs.cohere.com/v2/docs/compatibility-api) uses "/compatibility/v1" prefix. On the other hand, DeepSeek (https://api-docs.deepseek.com/) doesn't use prefix, so you can leave this field unset. See https://aigateway.envoyproxy.io/docs/capabilities/llm-integrations/supported-providers for details.
        :param version: Version is the version of the API schema. When the name is set to AzureOpenAI, this version maps to "API Version" in the Azure OpenAI API documentation (https://learn.microsoft.com/en-us/azure/ai-services/openai/reference#rest-api-versioning). This field is ignored for OpenAI, AWSBedrock, GCPVertexAI, and Anthropic. For OpenAI and Anthropic, use prefix to configure custom request paths. See https://aigateway.envoyproxy.io/docs/capabilities/llm-integrations/supported-providers for details.

        :schema: AiServiceBackendSpecSchema
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f32e72da1521007662268f70e1c50e386a1bf6b3b1a3c129319a0127b322b4a0)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument prefix", value=prefix, expected_type=type_hints["prefix"])
            check_type(argname="argument version", value=version, expected_type=type_hints["version"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if prefix is not None:
            self._values["prefix"] = prefix
        if version is not None:
            self._values["version"] = version

    @builtins.property
    def name(self) -> "AiServiceBackendSpecSchemaName":
        '''Name is the name of the API schema of the AIGatewayRoute or AIServiceBackend.

        :schema: AiServiceBackendSpecSchema#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast("AiServiceBackendSpecSchemaName", result)

    @builtins.property
    def prefix(self) -> typing.Optional[builtins.str]:
        '''Prefix is the prefix for the API.

        When the name is set to "OpenAI", "chat completions" API endpoint will be "${this_field}/chat/completions".
        When the name is set to "Anthropic", the "messages" API endpoint will be "${this_field}/messages".
        It can be with or without a leading slash ("/").
        This field is ignored for AWSAnthropic and GCPAnthropic.

        This is especially useful when routing to a backend that has an OpenAI or Anthropic compatible API but has a different
        prefix. For example, Gemini OpenAI compatible API (https://ai.google.dev/gemini-api/docs/openai) uses
        "/v1beta/openai" prefix. Another example is that Cohere AI (https://docs.cohere.com/v2/docs/compatibility-api)
        uses "/compatibility/v1" prefix. On the other hand, DeepSeek (https://api-docs.deepseek.com/) doesn't
        use prefix, so you can leave this field unset.

        See https://aigateway.envoyproxy.io/docs/capabilities/llm-integrations/supported-providers for details.

        :schema: AiServiceBackendSpecSchema#prefix
        '''
        result = self._values.get("prefix")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def version(self) -> typing.Optional[builtins.str]:
        '''Version is the version of the API schema.

        When the name is set to AzureOpenAI, this version maps to "API Version" in the
        Azure OpenAI API documentation (https://learn.microsoft.com/en-us/azure/ai-services/openai/reference#rest-api-versioning).
        This field is ignored for OpenAI, AWSBedrock, GCPVertexAI, and Anthropic.
        For OpenAI and Anthropic, use prefix to configure custom request paths.

        See https://aigateway.envoyproxy.io/docs/capabilities/llm-integrations/supported-providers for details.

        :schema: AiServiceBackendSpecSchema#version
        '''
        result = self._values.get("version")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AiServiceBackendSpecSchema(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="ioenvoyproxyaigateway.AiServiceBackendSpecSchemaName")
class AiServiceBackendSpecSchemaName(enum.Enum):
    '''Name is the name of the API schema of the AIGatewayRoute or AIServiceBackend.

    :schema: AiServiceBackendSpecSchemaName
    '''

    OPEN_AI = "OPEN_AI"
    '''OpenAI.'''
    COHERE = "COHERE"
    '''Cohere.'''
    AWS_BEDROCK = "AWS_BEDROCK"
    '''AWSBedrock.'''
    AZURE_OPEN_AI = "AZURE_OPEN_AI"
    '''AzureOpenAI.'''
    GCP_VERTEX_AI = "GCP_VERTEX_AI"
    '''GCPVertexAI.'''
    GCP_ANTHROPIC = "GCP_ANTHROPIC"
    '''GCPAnthropic.'''
    ANTHROPIC = "ANTHROPIC"
    '''Anthropic.'''
    AWS_ANTHROPIC = "AWS_ANTHROPIC"
    '''AWSAnthropic.'''


class GatewayConfig(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.GatewayConfig",
):
    '''GatewayConfig provides configuration for the AI Gateway external processor container that is deployed alongside the Gateway.

    A GatewayConfig is referenced by a Gateway via the annotation
    "aigateway.envoyproxy.io/gateway-config". The GatewayConfig must be in the
    same namespace as the Gateway that references it.

    This allows gateway-level configuration of the external processor, including
    environment variables (e.g., for tracing configuration) and resource requirements.

    Multiple Gateways can reference the same GatewayConfig to share configuration.

    Environment Variable Precedence:
    When merging environment variables, the following precedence applies (highest to lowest):

    1. GatewayConfig.Spec.ExtProc.Kubernetes.Env (this resource)
    2. Global controller flags (extProcExtraEnvVars)

    If the same environment variable name exists in both sources, the GatewayConfig
    value takes precedence.

    :schema: GatewayConfig
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["GatewayConfigSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "GatewayConfig" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Spec defines the configuration for the external processor.
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__de1fab5bfe2c1c39ef198d092ee78a2b5d49958acc9eed3aebf5928a68b2f36c)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = GatewayConfigProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["GatewayConfigSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "GatewayConfig".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Spec defines the configuration for the external processor.
        '''
        props = GatewayConfigProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "GatewayConfig".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class GatewayConfigProps:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["GatewayConfigSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''GatewayConfig provides configuration for the AI Gateway external processor container that is deployed alongside the Gateway.

        A GatewayConfig is referenced by a Gateway via the annotation
        "aigateway.envoyproxy.io/gateway-config". The GatewayConfig must be in the
        same namespace as the Gateway that references it.

        This allows gateway-level configuration of the external processor, including
        environment variables (e.g., for tracing configuration) and resource requirements.

        Multiple Gateways can reference the same GatewayConfig to share configuration.

        Environment Variable Precedence:
        When merging environment variables, the following precedence applies (highest to lowest):

        1. GatewayConfig.Spec.ExtProc.Kubernetes.Env (this resource)
        2. Global controller flags (extProcExtraEnvVars)

        If the same environment variable name exists in both sources, the GatewayConfig
        value takes precedence.

        :param metadata: 
        :param spec: Spec defines the configuration for the external processor.

        :schema: GatewayConfig
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = GatewayConfigSpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3ca5fcdfa3b61d1718f7c3f9c7e79db0ca47fee942723192040381ed0f1efa30)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: GatewayConfig#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["GatewayConfigSpec"]:
        '''Spec defines the configuration for the external processor.

        :schema: GatewayConfig#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["GatewayConfigSpec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpec",
    jsii_struct_bases=[],
    name_mapping={
        "ext_proc": "extProc",
        "forward_proxy": "forwardProxy",
        "global_llm_request_costs": "globalLlmRequestCosts",
    },
)
class GatewayConfigSpec:
    def __init__(
        self,
        *,
        ext_proc: typing.Optional[typing.Union["GatewayConfigSpecExtProc", typing.Dict[builtins.str, typing.Any]]] = None,
        forward_proxy: typing.Optional[typing.Union["GatewayConfigSpecForwardProxy", typing.Dict[builtins.str, typing.Any]]] = None,
        global_llm_request_costs: typing.Optional[typing.Sequence[typing.Union["GatewayConfigSpecGlobalLlmRequestCosts", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Spec defines the configuration for the external processor.

        :param ext_proc: ExtProc defines the configuration for the external processor container.
        :param forward_proxy: ForwardProxy routes all upstream AI/LLM traffic from Gateways referencing this GatewayConfig through an HTTP CONNECT forward proxy. This is intended for data planes in locked-down networks where direct egress to providers is not permitted and all outbound traffic must traverse a proxy.
        :param global_llm_request_costs: GlobalLLMRequestCosts defines default LLM request costs that apply to all routes referencing this GatewayConfig. These costs can be overridden on a per-route basis via AIGatewayRoute.Spec.LLMRequestCosts. When a request matches a route, the cost calculation proceeds as follows: 1. If the route defines LLMRequestCosts with a matching metadataKey, use that. 2. Otherwise, fall back to the global cost with that metadataKey (if defined here). 3. If neither exists, the cost is not calculated for that metadataKey. This allows you to define common cost formulas once at the gateway level (e.g., billing_charges = input_tokens + output_tokens) and only override them in specific routes when needed (e.g., premium routes with different pricing).

        :schema: GatewayConfigSpec
        '''
        if isinstance(ext_proc, dict):
            ext_proc = GatewayConfigSpecExtProc(**ext_proc)
        if isinstance(forward_proxy, dict):
            forward_proxy = GatewayConfigSpecForwardProxy(**forward_proxy)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2319aae98da5a74d3bf50fd96f20bca07dd3ae340d4be33044858213bd930cdc)
            check_type(argname="argument ext_proc", value=ext_proc, expected_type=type_hints["ext_proc"])
            check_type(argname="argument forward_proxy", value=forward_proxy, expected_type=type_hints["forward_proxy"])
            check_type(argname="argument global_llm_request_costs", value=global_llm_request_costs, expected_type=type_hints["global_llm_request_costs"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if ext_proc is not None:
            self._values["ext_proc"] = ext_proc
        if forward_proxy is not None:
            self._values["forward_proxy"] = forward_proxy
        if global_llm_request_costs is not None:
            self._values["global_llm_request_costs"] = global_llm_request_costs

    @builtins.property
    def ext_proc(self) -> typing.Optional["GatewayConfigSpecExtProc"]:
        '''ExtProc defines the configuration for the external processor container.

        :schema: GatewayConfigSpec#extProc
        '''
        result = self._values.get("ext_proc")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProc"], result)

    @builtins.property
    def forward_proxy(self) -> typing.Optional["GatewayConfigSpecForwardProxy"]:
        '''ForwardProxy routes all upstream AI/LLM traffic from Gateways referencing this GatewayConfig through an HTTP CONNECT forward proxy.

        This is intended for data planes
        in locked-down networks where direct egress to providers is not permitted and all
        outbound traffic must traverse a proxy.

        :schema: GatewayConfigSpec#forwardProxy
        '''
        result = self._values.get("forward_proxy")
        return typing.cast(typing.Optional["GatewayConfigSpecForwardProxy"], result)

    @builtins.property
    def global_llm_request_costs(
        self,
    ) -> typing.Optional[typing.List["GatewayConfigSpecGlobalLlmRequestCosts"]]:
        '''GlobalLLMRequestCosts defines default LLM request costs that apply to all routes referencing this GatewayConfig.

        These costs can be overridden on a
        per-route basis via AIGatewayRoute.Spec.LLMRequestCosts.

        When a request matches a route, the cost calculation proceeds as follows:

        1. If the route defines LLMRequestCosts with a matching metadataKey, use that.
        2. Otherwise, fall back to the global cost with that metadataKey (if defined here).
        3. If neither exists, the cost is not calculated for that metadataKey.

        This allows you to define common cost formulas once at the gateway level
        (e.g., billing_charges = input_tokens + output_tokens) and only override
        them in specific routes when needed (e.g., premium routes with different pricing).

        :schema: GatewayConfigSpec#globalLLMRequestCosts
        '''
        result = self._values.get("global_llm_request_costs")
        return typing.cast(typing.Optional[typing.List["GatewayConfigSpecGlobalLlmRequestCosts"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProc",
    jsii_struct_bases=[],
    name_mapping={"kubernetes": "kubernetes"},
)
class GatewayConfigSpecExtProc:
    def __init__(
        self,
        *,
        kubernetes: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetes", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''ExtProc defines the configuration for the external processor container.

        :param kubernetes: Kubernetes defines the configuration for running the external processor as a Kubernetes container.

        :schema: GatewayConfigSpecExtProc
        '''
        if isinstance(kubernetes, dict):
            kubernetes = GatewayConfigSpecExtProcKubernetes(**kubernetes)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__568491d3cc7ddabf161827c4766996b9a51030d3229c60d445e0b9f2c180d031)
            check_type(argname="argument kubernetes", value=kubernetes, expected_type=type_hints["kubernetes"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if kubernetes is not None:
            self._values["kubernetes"] = kubernetes

    @builtins.property
    def kubernetes(self) -> typing.Optional["GatewayConfigSpecExtProcKubernetes"]:
        '''Kubernetes defines the configuration for running the external processor as a Kubernetes container.

        :schema: GatewayConfigSpecExtProc#kubernetes
        '''
        result = self._values.get("kubernetes")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetes"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProc(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetes",
    jsii_struct_bases=[],
    name_mapping={
        "env": "env",
        "image": "image",
        "image_repository": "imageRepository",
        "resources": "resources",
        "security_context": "securityContext",
        "volume_mounts": "volumeMounts",
    },
)
class GatewayConfigSpecExtProcKubernetes:
    def __init__(
        self,
        *,
        env: typing.Optional[typing.Sequence[typing.Union["GatewayConfigSpecExtProcKubernetesEnv", typing.Dict[builtins.str, typing.Any]]]] = None,
        image: typing.Optional[builtins.str] = None,
        image_repository: typing.Optional[builtins.str] = None,
        resources: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesResources", typing.Dict[builtins.str, typing.Any]]] = None,
        security_context: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContext", typing.Dict[builtins.str, typing.Any]]] = None,
        volume_mounts: typing.Optional[typing.Sequence[typing.Union["GatewayConfigSpecExtProcKubernetesVolumeMounts", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Kubernetes defines the configuration for running the external processor as a Kubernetes container.

        :param env: List of environment variables to set in the container.
        :param image: Image specifies the EnvoyProxy container image to be used including a tag, instead of the default image. This field is mutually exclusive with ImageRepository.
        :param image_repository: ImageRepository specifies the container image repository to be used without specifying a tag. The default tag will be used. This field is mutually exclusive with Image.
        :param resources: Resources required by this container. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
        :param security_context: SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext. More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
        :param volume_mounts: VolumeMounts are volumes to mount into the container's filesystem. Cannot be updated.

        :schema: GatewayConfigSpecExtProcKubernetes
        '''
        if isinstance(resources, dict):
            resources = GatewayConfigSpecExtProcKubernetesResources(**resources)
        if isinstance(security_context, dict):
            security_context = GatewayConfigSpecExtProcKubernetesSecurityContext(**security_context)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__ce1d1bacc14b524f8dc3bc7a24980ff19a81fd444b731f1772f0d2fd6ad65c34)
            check_type(argname="argument env", value=env, expected_type=type_hints["env"])
            check_type(argname="argument image", value=image, expected_type=type_hints["image"])
            check_type(argname="argument image_repository", value=image_repository, expected_type=type_hints["image_repository"])
            check_type(argname="argument resources", value=resources, expected_type=type_hints["resources"])
            check_type(argname="argument security_context", value=security_context, expected_type=type_hints["security_context"])
            check_type(argname="argument volume_mounts", value=volume_mounts, expected_type=type_hints["volume_mounts"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if env is not None:
            self._values["env"] = env
        if image is not None:
            self._values["image"] = image
        if image_repository is not None:
            self._values["image_repository"] = image_repository
        if resources is not None:
            self._values["resources"] = resources
        if security_context is not None:
            self._values["security_context"] = security_context
        if volume_mounts is not None:
            self._values["volume_mounts"] = volume_mounts

    @builtins.property
    def env(
        self,
    ) -> typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesEnv"]]:
        '''List of environment variables to set in the container.

        :schema: GatewayConfigSpecExtProcKubernetes#env
        '''
        result = self._values.get("env")
        return typing.cast(typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesEnv"]], result)

    @builtins.property
    def image(self) -> typing.Optional[builtins.str]:
        '''Image specifies the EnvoyProxy container image to be used including a tag, instead of the default image.

        This field is mutually exclusive with ImageRepository.

        :schema: GatewayConfigSpecExtProcKubernetes#image
        '''
        result = self._values.get("image")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def image_repository(self) -> typing.Optional[builtins.str]:
        '''ImageRepository specifies the container image repository to be used without specifying a tag.

        The default tag will be used.
        This field is mutually exclusive with Image.

        :schema: GatewayConfigSpecExtProcKubernetes#imageRepository
        '''
        result = self._values.get("image_repository")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def resources(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesResources"]:
        '''Resources required by this container.

        More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

        :schema: GatewayConfigSpecExtProcKubernetes#resources
        '''
        result = self._values.get("resources")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesResources"], result)

    @builtins.property
    def security_context(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContext"]:
        '''SecurityContext defines the security options the container should be run with.

        If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.
        More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/

        :schema: GatewayConfigSpecExtProcKubernetes#securityContext
        '''
        result = self._values.get("security_context")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContext"], result)

    @builtins.property
    def volume_mounts(
        self,
    ) -> typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesVolumeMounts"]]:
        '''VolumeMounts are volumes to mount into the container's filesystem.

        Cannot be updated.

        :schema: GatewayConfigSpecExtProcKubernetes#volumeMounts
        '''
        result = self._values.get("volume_mounts")
        return typing.cast(typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesVolumeMounts"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetes(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnv",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value", "value_from": "valueFrom"},
)
class GatewayConfigSpecExtProcKubernetesEnv:
    def __init__(
        self,
        *,
        name: builtins.str,
        value: typing.Optional[builtins.str] = None,
        value_from: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFrom", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''EnvVar represents an environment variable present in a Container.

        :param name: Name of the environment variable. May consist of any printable ASCII characters except '='.
        :param value: Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Defaults to "". Default: .
        :param value_from: Source for the environment variable's value. Cannot be used if value is not empty.

        :schema: GatewayConfigSpecExtProcKubernetesEnv
        '''
        if isinstance(value_from, dict):
            value_from = GatewayConfigSpecExtProcKubernetesEnvValueFrom(**value_from)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__517130f634a5e36be5963b58ecbcb30f18f7080235e1b24b45cb37443561067c)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
            check_type(argname="argument value_from", value=value_from, expected_type=type_hints["value_from"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if value is not None:
            self._values["value"] = value
        if value_from is not None:
            self._values["value_from"] = value_from

    @builtins.property
    def name(self) -> builtins.str:
        '''Name of the environment variable.

        May consist of any printable ASCII characters except '='.

        :schema: GatewayConfigSpecExtProcKubernetesEnv#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> typing.Optional[builtins.str]:
        '''Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables.

        If a variable cannot be resolved,
        the reference in the input string will be unchanged. Double $$ are reduced
        to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e.
        "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)".
        Escaped references will never be expanded, regardless of whether the variable
        exists or not.
        Defaults to "".

        :default: .

        :schema: GatewayConfigSpecExtProcKubernetesEnv#value
        '''
        result = self._values.get("value")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def value_from(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFrom"]:
        '''Source for the environment variable's value.

        Cannot be used if value is not empty.

        :schema: GatewayConfigSpecExtProcKubernetesEnv#valueFrom
        '''
        result = self._values.get("value_from")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFrom"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnv(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFrom",
    jsii_struct_bases=[],
    name_mapping={
        "config_map_key_ref": "configMapKeyRef",
        "field_ref": "fieldRef",
        "file_key_ref": "fileKeyRef",
        "resource_field_ref": "resourceFieldRef",
        "secret_key_ref": "secretKeyRef",
    },
)
class GatewayConfigSpecExtProcKubernetesEnvValueFrom:
    def __init__(
        self,
        *,
        config_map_key_ref: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef", typing.Dict[builtins.str, typing.Any]]] = None,
        field_ref: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef", typing.Dict[builtins.str, typing.Any]]] = None,
        file_key_ref: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef", typing.Dict[builtins.str, typing.Any]]] = None,
        resource_field_ref: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef", typing.Dict[builtins.str, typing.Any]]] = None,
        secret_key_ref: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Source for the environment variable's value.

        Cannot be used if value is not empty.

        :param config_map_key_ref: Selects a key of a ConfigMap.
        :param field_ref: Selects a field of the pod: supports metadata.name, metadata.namespace, ``metadata.labels['<KEY>']``, ``metadata.annotations['<KEY>']``, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.
        :param file_key_ref: FileKeyRef selects a key of the env file. Requires the EnvFiles feature gate to be enabled.
        :param resource_field_ref: Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.
        :param secret_key_ref: Selects a key of a secret in the pod's namespace.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom
        '''
        if isinstance(config_map_key_ref, dict):
            config_map_key_ref = GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef(**config_map_key_ref)
        if isinstance(field_ref, dict):
            field_ref = GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef(**field_ref)
        if isinstance(file_key_ref, dict):
            file_key_ref = GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef(**file_key_ref)
        if isinstance(resource_field_ref, dict):
            resource_field_ref = GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef(**resource_field_ref)
        if isinstance(secret_key_ref, dict):
            secret_key_ref = GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef(**secret_key_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__21e72a94dc4b8f9569dafbd1a85864896df032a8fd9b4b1d45d12675c7f9219c)
            check_type(argname="argument config_map_key_ref", value=config_map_key_ref, expected_type=type_hints["config_map_key_ref"])
            check_type(argname="argument field_ref", value=field_ref, expected_type=type_hints["field_ref"])
            check_type(argname="argument file_key_ref", value=file_key_ref, expected_type=type_hints["file_key_ref"])
            check_type(argname="argument resource_field_ref", value=resource_field_ref, expected_type=type_hints["resource_field_ref"])
            check_type(argname="argument secret_key_ref", value=secret_key_ref, expected_type=type_hints["secret_key_ref"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if config_map_key_ref is not None:
            self._values["config_map_key_ref"] = config_map_key_ref
        if field_ref is not None:
            self._values["field_ref"] = field_ref
        if file_key_ref is not None:
            self._values["file_key_ref"] = file_key_ref
        if resource_field_ref is not None:
            self._values["resource_field_ref"] = resource_field_ref
        if secret_key_ref is not None:
            self._values["secret_key_ref"] = secret_key_ref

    @builtins.property
    def config_map_key_ref(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef"]:
        '''Selects a key of a ConfigMap.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom#configMapKeyRef
        '''
        result = self._values.get("config_map_key_ref")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef"], result)

    @builtins.property
    def field_ref(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef"]:
        '''Selects a field of the pod: supports metadata.name, metadata.namespace, ``metadata.labels['<KEY>']``, ``metadata.annotations['<KEY>']``, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom#fieldRef
        '''
        result = self._values.get("field_ref")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef"], result)

    @builtins.property
    def file_key_ref(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef"]:
        '''FileKeyRef selects a key of the env file.

        Requires the EnvFiles feature gate to be enabled.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom#fileKeyRef
        '''
        result = self._values.get("file_key_ref")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef"], result)

    @builtins.property
    def resource_field_ref(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef"]:
        '''Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom#resourceFieldRef
        '''
        result = self._values.get("resource_field_ref")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef"], result)

    @builtins.property
    def secret_key_ref(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef"]:
        '''Selects a key of a secret in the pod's namespace.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFrom#secretKeyRef
        '''
        result = self._values.get("secret_key_ref")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFrom(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "name": "name", "optional": "optional"},
)
class GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef:
    def __init__(
        self,
        *,
        key: builtins.str,
        name: typing.Optional[builtins.str] = None,
        optional: typing.Optional[builtins.bool] = None,
    ) -> None:
        '''Selects a key of a ConfigMap.

        :param key: The key to select.
        :param name: Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names
        :param optional: Specify whether the ConfigMap or its key must be defined.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b1f2c5cff608fcba42cbb34cd74f06421b5f86670e3ff4440b98ea5b0ae771fd)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument optional", value=optional, expected_type=type_hints["optional"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
        }
        if name is not None:
            self._values["name"] = name
        if optional is not None:
            self._values["optional"] = optional

    @builtins.property
    def key(self) -> builtins.str:
        '''The key to select.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Name of the referent.

        This field is effectively required, but due to backwards compatibility is
        allowed to be empty. Instances of this type with an empty value here are
        almost certainly wrong.
        More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def optional(self) -> typing.Optional[builtins.bool]:
        '''Specify whether the ConfigMap or its key must be defined.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef#optional
        '''
        result = self._values.get("optional")
        return typing.cast(typing.Optional[builtins.bool], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef",
    jsii_struct_bases=[],
    name_mapping={"field_path": "fieldPath", "api_version": "apiVersion"},
)
class GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef:
    def __init__(
        self,
        *,
        field_path: builtins.str,
        api_version: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Selects a field of the pod: supports metadata.name, metadata.namespace, ``metadata.labels['<KEY>']``, ``metadata.annotations['<KEY>']``, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.

        :param field_path: Path of the field to select in the specified API version.
        :param api_version: Version of the schema the FieldPath is written in terms of, defaults to "v1".

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a473a7ff5e8074eaedd7400174dc6cf820c75edaf0b158bbd68ae6dbe249f072)
            check_type(argname="argument field_path", value=field_path, expected_type=type_hints["field_path"])
            check_type(argname="argument api_version", value=api_version, expected_type=type_hints["api_version"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "field_path": field_path,
        }
        if api_version is not None:
            self._values["api_version"] = api_version

    @builtins.property
    def field_path(self) -> builtins.str:
        '''Path of the field to select in the specified API version.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef#fieldPath
        '''
        result = self._values.get("field_path")
        assert result is not None, "Required property 'field_path' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def api_version(self) -> typing.Optional[builtins.str]:
        '''Version of the schema the FieldPath is written in terms of, defaults to "v1".

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef#apiVersion
        '''
        result = self._values.get("api_version")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef",
    jsii_struct_bases=[],
    name_mapping={
        "key": "key",
        "path": "path",
        "volume_name": "volumeName",
        "optional": "optional",
    },
)
class GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef:
    def __init__(
        self,
        *,
        key: builtins.str,
        path: builtins.str,
        volume_name: builtins.str,
        optional: typing.Optional[builtins.bool] = None,
    ) -> None:
        '''FileKeyRef selects a key of the env file.

        Requires the EnvFiles feature gate to be enabled.

        :param key: The key within the env file. An invalid key will prevent the pod from starting. The keys defined within a source may consist of any printable ASCII characters except '='. During Alpha stage of the EnvFiles feature gate, the key size is limited to 128 characters.
        :param path: The path within the volume from which to select the file. Must be relative and may not contain the '..' path or start with '..'.
        :param volume_name: The name of the volume mount containing the env file.
        :param optional: Specify whether the file or its key must be defined. If the file or key does not exist, then the env var is not published. If optional is set to true and the specified key does not exist, the environment variable will not be set in the Pod's containers. If optional is set to false and the specified key does not exist, an error will be returned during Pod creation.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b7fd1425000492f0d1fc26ba44921314b9d3aeb1a60665ac09afc1c6e2060a14)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument volume_name", value=volume_name, expected_type=type_hints["volume_name"])
            check_type(argname="argument optional", value=optional, expected_type=type_hints["optional"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
            "path": path,
            "volume_name": volume_name,
        }
        if optional is not None:
            self._values["optional"] = optional

    @builtins.property
    def key(self) -> builtins.str:
        '''The key within the env file.

        An invalid key will prevent the pod from starting.
        The keys defined within a source may consist of any printable ASCII characters except '='.
        During Alpha stage of the EnvFiles feature gate, the key size is limited to 128 characters.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def path(self) -> builtins.str:
        '''The path within the volume from which to select the file.

        Must be relative and may not contain the '..' path or start with '..'.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef#path
        '''
        result = self._values.get("path")
        assert result is not None, "Required property 'path' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def volume_name(self) -> builtins.str:
        '''The name of the volume mount containing the env file.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef#volumeName
        '''
        result = self._values.get("volume_name")
        assert result is not None, "Required property 'volume_name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def optional(self) -> typing.Optional[builtins.bool]:
        '''Specify whether the file or its key must be defined.

        If the file or key
        does not exist, then the env var is not published.
        If optional is set to true and the specified key does not exist,
        the environment variable will not be set in the Pod's containers.

        If optional is set to false and the specified key does not exist,
        an error will be returned during Pod creation.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef#optional
        '''
        result = self._values.get("optional")
        return typing.cast(typing.Optional[builtins.bool], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef",
    jsii_struct_bases=[],
    name_mapping={
        "resource": "resource",
        "container_name": "containerName",
        "divisor": "divisor",
    },
)
class GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef:
    def __init__(
        self,
        *,
        resource: builtins.str,
        container_name: typing.Optional[builtins.str] = None,
        divisor: typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor"] = None,
    ) -> None:
        '''Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.

        :param resource: Required: resource to select.
        :param container_name: Container name: required for volumes, optional for env vars.
        :param divisor: Specifies the output format of the exposed resources, defaults to "1".

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f27e4def7e712163e9c9d6e14e9866f847ffe726aa03597cddbd6a134a56fbc7)
            check_type(argname="argument resource", value=resource, expected_type=type_hints["resource"])
            check_type(argname="argument container_name", value=container_name, expected_type=type_hints["container_name"])
            check_type(argname="argument divisor", value=divisor, expected_type=type_hints["divisor"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "resource": resource,
        }
        if container_name is not None:
            self._values["container_name"] = container_name
        if divisor is not None:
            self._values["divisor"] = divisor

    @builtins.property
    def resource(self) -> builtins.str:
        '''Required: resource to select.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef#resource
        '''
        result = self._values.get("resource")
        assert result is not None, "Required property 'resource' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def container_name(self) -> typing.Optional[builtins.str]:
        '''Container name: required for volumes, optional for env vars.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef#containerName
        '''
        result = self._values.get("container_name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def divisor(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor"]:
        '''Specifies the output format of the exposed resources, defaults to "1".

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef#divisor
        '''
        result = self._values.get("divisor")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor(
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor",
):
    '''Specifies the output format of the exposed resources, defaults to "1".

    :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor
    '''

    @jsii.member(jsii_name="fromNumber")
    @builtins.classmethod
    def from_number(
        cls,
        value: jsii.Number,
    ) -> "GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__23cf453396be13f3f5e2c6f07308dc9bd690ce8da6145736539821f8893ae982)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor", jsii.sinvoke(cls, "fromNumber", [value]))

    @jsii.member(jsii_name="fromString")
    @builtins.classmethod
    def from_string(
        cls,
        value: builtins.str,
    ) -> "GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5b63d21aa8ee07ae4884949e6463671e1e83c0be9d1eb44e8d52b7e8802e796a)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor", jsii.sinvoke(cls, "fromString", [value]))

    @builtins.property
    @jsii.member(jsii_name="value")
    def value(self) -> typing.Union[builtins.str, jsii.Number]:
        return typing.cast(typing.Union[builtins.str, jsii.Number], jsii.get(self, "value"))


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "name": "name", "optional": "optional"},
)
class GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef:
    def __init__(
        self,
        *,
        key: builtins.str,
        name: typing.Optional[builtins.str] = None,
        optional: typing.Optional[builtins.bool] = None,
    ) -> None:
        '''Selects a key of a secret in the pod's namespace.

        :param key: The key of the secret to select from. Must be a valid secret key.
        :param name: Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names
        :param optional: Specify whether the Secret or its key must be defined.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f4c9f32e9082da3c1bb9574bad96950b7379c919c4197e59cfc7d8827742de76)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument optional", value=optional, expected_type=type_hints["optional"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
        }
        if name is not None:
            self._values["name"] = name
        if optional is not None:
            self._values["optional"] = optional

    @builtins.property
    def key(self) -> builtins.str:
        '''The key of the secret to select from.

        Must be a valid secret key.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Name of the referent.

        This field is effectively required, but due to backwards compatibility is
        allowed to be empty. Instances of this type with an empty value here are
        almost certainly wrong.
        More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def optional(self) -> typing.Optional[builtins.bool]:
        '''Specify whether the Secret or its key must be defined.

        :schema: GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef#optional
        '''
        result = self._values.get("optional")
        return typing.cast(typing.Optional[builtins.bool], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesResources",
    jsii_struct_bases=[],
    name_mapping={"claims": "claims", "limits": "limits", "requests": "requests"},
)
class GatewayConfigSpecExtProcKubernetesResources:
    def __init__(
        self,
        *,
        claims: typing.Optional[typing.Sequence[typing.Union["GatewayConfigSpecExtProcKubernetesResourcesClaims", typing.Dict[builtins.str, typing.Any]]]] = None,
        limits: typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesLimits"]] = None,
        requests: typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesRequests"]] = None,
    ) -> None:
        '''Resources required by this container.

        More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

        :param claims: Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container. This field depends on the DynamicResourceAllocation feature gate. This field is immutable. It can only be set for containers.
        :param limits: Limits describes the maximum amount of compute resources allowed. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
        :param requests: Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value. Requests cannot exceed Limits. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

        :schema: GatewayConfigSpecExtProcKubernetesResources
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__ce86b501e57850467b7da7e4cc6acd2e0b558d2b4175b536ea1708a4537f460e)
            check_type(argname="argument claims", value=claims, expected_type=type_hints["claims"])
            check_type(argname="argument limits", value=limits, expected_type=type_hints["limits"])
            check_type(argname="argument requests", value=requests, expected_type=type_hints["requests"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if claims is not None:
            self._values["claims"] = claims
        if limits is not None:
            self._values["limits"] = limits
        if requests is not None:
            self._values["requests"] = requests

    @builtins.property
    def claims(
        self,
    ) -> typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesResourcesClaims"]]:
        '''Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.

        This field depends on the
        DynamicResourceAllocation feature gate.

        This field is immutable. It can only be set for containers.

        :schema: GatewayConfigSpecExtProcKubernetesResources#claims
        '''
        result = self._values.get("claims")
        return typing.cast(typing.Optional[typing.List["GatewayConfigSpecExtProcKubernetesResourcesClaims"]], result)

    @builtins.property
    def limits(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesLimits"]]:
        '''Limits describes the maximum amount of compute resources allowed.

        More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

        :schema: GatewayConfigSpecExtProcKubernetesResources#limits
        '''
        result = self._values.get("limits")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesLimits"]], result)

    @builtins.property
    def requests(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesRequests"]]:
        '''Requests describes the minimum amount of compute resources required.

        If Requests is omitted for a container, it defaults to Limits if that is explicitly specified,
        otherwise to an implementation-defined value. Requests cannot exceed Limits.
        More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

        :schema: GatewayConfigSpecExtProcKubernetesResources#requests
        '''
        result = self._values.get("requests")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, "GatewayConfigSpecExtProcKubernetesResourcesRequests"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesResources(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesResourcesClaims",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "request": "request"},
)
class GatewayConfigSpecExtProcKubernetesResourcesClaims:
    def __init__(
        self,
        *,
        name: builtins.str,
        request: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ResourceClaim references one entry in PodSpec.ResourceClaims.

        :param name: Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used. It makes that resource available inside a container.
        :param request: Request is the name chosen for a request in the referenced claim. If empty, everything from the claim is made available, otherwise only the result of this request.

        :schema: GatewayConfigSpecExtProcKubernetesResourcesClaims
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__d4b84eba9be73c9c153a826cce54d7cd2e1785acc1c87a4ad632ffaf0c685c12)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument request", value=request, expected_type=type_hints["request"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if request is not None:
            self._values["request"] = request

    @builtins.property
    def name(self) -> builtins.str:
        '''Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used. It makes that resource available inside a container.

        :schema: GatewayConfigSpecExtProcKubernetesResourcesClaims#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def request(self) -> typing.Optional[builtins.str]:
        '''Request is the name chosen for a request in the referenced claim.

        If empty, everything from the claim is made available, otherwise
        only the result of this request.

        :schema: GatewayConfigSpecExtProcKubernetesResourcesClaims#request
        '''
        result = self._values.get("request")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesResourcesClaims(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class GatewayConfigSpecExtProcKubernetesResourcesLimits(
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesResourcesLimits",
):
    '''
    :schema: GatewayConfigSpecExtProcKubernetesResourcesLimits
    '''

    @jsii.member(jsii_name="fromNumber")
    @builtins.classmethod
    def from_number(
        cls,
        value: jsii.Number,
    ) -> "GatewayConfigSpecExtProcKubernetesResourcesLimits":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b9f7cf654f48e424c7a6d63c33a2006c8e0a97a1ae45707aa521aa73eac605b6)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesResourcesLimits", jsii.sinvoke(cls, "fromNumber", [value]))

    @jsii.member(jsii_name="fromString")
    @builtins.classmethod
    def from_string(
        cls,
        value: builtins.str,
    ) -> "GatewayConfigSpecExtProcKubernetesResourcesLimits":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c065e53e82a7c29e1f598fa6aaf6762d596c77c7aa7d7d8065a9800006058776)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesResourcesLimits", jsii.sinvoke(cls, "fromString", [value]))

    @builtins.property
    @jsii.member(jsii_name="value")
    def value(self) -> typing.Union[builtins.str, jsii.Number]:
        return typing.cast(typing.Union[builtins.str, jsii.Number], jsii.get(self, "value"))


class GatewayConfigSpecExtProcKubernetesResourcesRequests(
    metaclass=jsii.JSIIMeta,
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesResourcesRequests",
):
    '''
    :schema: GatewayConfigSpecExtProcKubernetesResourcesRequests
    '''

    @jsii.member(jsii_name="fromNumber")
    @builtins.classmethod
    def from_number(
        cls,
        value: jsii.Number,
    ) -> "GatewayConfigSpecExtProcKubernetesResourcesRequests":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__51692b0a9ca874fd35ea0f13bb6116f9ed23a3c4c5bc82ca39dacbb5eaeff74d)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesResourcesRequests", jsii.sinvoke(cls, "fromNumber", [value]))

    @jsii.member(jsii_name="fromString")
    @builtins.classmethod
    def from_string(
        cls,
        value: builtins.str,
    ) -> "GatewayConfigSpecExtProcKubernetesResourcesRequests":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5d2036f43f21a2fd0b1be06cef449914c45f36b61a38cd828a413fa5f9ccb5b5)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("GatewayConfigSpecExtProcKubernetesResourcesRequests", jsii.sinvoke(cls, "fromString", [value]))

    @builtins.property
    @jsii.member(jsii_name="value")
    def value(self) -> typing.Union[builtins.str, jsii.Number]:
        return typing.cast(typing.Union[builtins.str, jsii.Number], jsii.get(self, "value"))


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContext",
    jsii_struct_bases=[],
    name_mapping={
        "allow_privilege_escalation": "allowPrivilegeEscalation",
        "app_armor_profile": "appArmorProfile",
        "capabilities": "capabilities",
        "privileged": "privileged",
        "proc_mount": "procMount",
        "read_only_root_filesystem": "readOnlyRootFilesystem",
        "run_as_group": "runAsGroup",
        "run_as_non_root": "runAsNonRoot",
        "run_as_user": "runAsUser",
        "seccomp_profile": "seccompProfile",
        "se_linux_options": "seLinuxOptions",
        "windows_options": "windowsOptions",
    },
)
class GatewayConfigSpecExtProcKubernetesSecurityContext:
    def __init__(
        self,
        *,
        allow_privilege_escalation: typing.Optional[builtins.bool] = None,
        app_armor_profile: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile", typing.Dict[builtins.str, typing.Any]]] = None,
        capabilities: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities", typing.Dict[builtins.str, typing.Any]]] = None,
        privileged: typing.Optional[builtins.bool] = None,
        proc_mount: typing.Optional[builtins.str] = None,
        read_only_root_filesystem: typing.Optional[builtins.bool] = None,
        run_as_group: typing.Optional[jsii.Number] = None,
        run_as_non_root: typing.Optional[builtins.bool] = None,
        run_as_user: typing.Optional[jsii.Number] = None,
        seccomp_profile: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile", typing.Dict[builtins.str, typing.Any]]] = None,
        se_linux_options: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions", typing.Dict[builtins.str, typing.Any]]] = None,
        windows_options: typing.Optional[typing.Union["GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''SecurityContext defines the security options the container should be run with.

        If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.
        More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/

        :param allow_privilege_escalation: AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process. This bool directly controls if the no_new_privs flag will be set on the container process. AllowPrivilegeEscalation is true always when the container is: 1. run as Privileged 2. has CAP_SYS_ADMIN Note that this field cannot be set when spec.os.name is windows.
        :param app_armor_profile: appArmorProfile is the AppArmor options to use by this container. If set, this profile overrides the pod's appArmorProfile. Note that this field cannot be set when spec.os.name is windows.
        :param capabilities: The capabilities to add/drop when running containers. Defaults to the default set of capabilities granted by the container runtime. Note that this field cannot be set when spec.os.name is windows. Default: the default set of capabilities granted by the container runtime.
        :param privileged: Run container in privileged mode. Processes in privileged containers are essentially equivalent to root on the host. Defaults to false. Note that this field cannot be set when spec.os.name is windows. Default: false.
        :param proc_mount: procMount denotes the type of proc mount to use for the containers. The default value is Default which uses the container runtime defaults for readonly paths and masked paths. Note that this field cannot be set when spec.os.name is windows.
        :param read_only_root_filesystem: Whether this container has a read-only root filesystem. Default is false. Note that this field cannot be set when spec.os.name is windows. Default: false.
        :param run_as_group: The GID to run the entrypoint of the container process. Uses runtime default if unset. May also be set in PodSecurityContext. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is windows.
        :param run_as_non_root: Indicates that the container must run as a non-root user. If true, the Kubelet will validate the image at runtime to ensure that it does not run as UID 0 (root) and fail to start the container if it does. If unset or false, no such validation will be performed. May also be set in PodSecurityContext. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence.
        :param run_as_user: The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified. May also be set in PodSecurityContext. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is windows. Default: user specified in image metadata if unspecified.
        :param seccomp_profile: The seccomp options to use by this container. If seccomp options are provided at both the pod & container level, the container options override the pod options. Note that this field cannot be set when spec.os.name is windows.
        :param se_linux_options: The SELinux context to be applied to the container. If unspecified, the container runtime will allocate a random SELinux context for each container. May also be set in PodSecurityContext. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is windows.
        :param windows_options: The Windows specific settings applied to all containers. If unspecified, the options from the PodSecurityContext will be used. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is linux.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext
        '''
        if isinstance(app_armor_profile, dict):
            app_armor_profile = GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile(**app_armor_profile)
        if isinstance(capabilities, dict):
            capabilities = GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities(**capabilities)
        if isinstance(seccomp_profile, dict):
            seccomp_profile = GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile(**seccomp_profile)
        if isinstance(se_linux_options, dict):
            se_linux_options = GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions(**se_linux_options)
        if isinstance(windows_options, dict):
            windows_options = GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions(**windows_options)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__ef7dae61e86fb751465a6ba8d1ba7b52023548351eafea8542aa7fba9a0c1d64)
            check_type(argname="argument allow_privilege_escalation", value=allow_privilege_escalation, expected_type=type_hints["allow_privilege_escalation"])
            check_type(argname="argument app_armor_profile", value=app_armor_profile, expected_type=type_hints["app_armor_profile"])
            check_type(argname="argument capabilities", value=capabilities, expected_type=type_hints["capabilities"])
            check_type(argname="argument privileged", value=privileged, expected_type=type_hints["privileged"])
            check_type(argname="argument proc_mount", value=proc_mount, expected_type=type_hints["proc_mount"])
            check_type(argname="argument read_only_root_filesystem", value=read_only_root_filesystem, expected_type=type_hints["read_only_root_filesystem"])
            check_type(argname="argument run_as_group", value=run_as_group, expected_type=type_hints["run_as_group"])
            check_type(argname="argument run_as_non_root", value=run_as_non_root, expected_type=type_hints["run_as_non_root"])
            check_type(argname="argument run_as_user", value=run_as_user, expected_type=type_hints["run_as_user"])
            check_type(argname="argument seccomp_profile", value=seccomp_profile, expected_type=type_hints["seccomp_profile"])
            check_type(argname="argument se_linux_options", value=se_linux_options, expected_type=type_hints["se_linux_options"])
            check_type(argname="argument windows_options", value=windows_options, expected_type=type_hints["windows_options"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if allow_privilege_escalation is not None:
            self._values["allow_privilege_escalation"] = allow_privilege_escalation
        if app_armor_profile is not None:
            self._values["app_armor_profile"] = app_armor_profile
        if capabilities is not None:
            self._values["capabilities"] = capabilities
        if privileged is not None:
            self._values["privileged"] = privileged
        if proc_mount is not None:
            self._values["proc_mount"] = proc_mount
        if read_only_root_filesystem is not None:
            self._values["read_only_root_filesystem"] = read_only_root_filesystem
        if run_as_group is not None:
            self._values["run_as_group"] = run_as_group
        if run_as_non_root is not None:
            self._values["run_as_non_root"] = run_as_non_root
        if run_as_user is not None:
            self._values["run_as_user"] = run_as_user
        if seccomp_profile is not None:
            self._values["seccomp_profile"] = seccomp_profile
        if se_linux_options is not None:
            self._values["se_linux_options"] = se_linux_options
        if windows_options is not None:
            self._values["windows_options"] = windows_options

    @builtins.property
    def allow_privilege_escalation(self) -> typing.Optional[builtins.bool]:
        '''AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process.

        This bool directly controls if
        the no_new_privs flag will be set on the container process.
        AllowPrivilegeEscalation is true always when the container is:

        1. run as Privileged
        2. has CAP_SYS_ADMIN
           Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#allowPrivilegeEscalation
        '''
        result = self._values.get("allow_privilege_escalation")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def app_armor_profile(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile"]:
        '''appArmorProfile is the AppArmor options to use by this container.

        If set, this profile
        overrides the pod's appArmorProfile.
        Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#appArmorProfile
        '''
        result = self._values.get("app_armor_profile")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile"], result)

    @builtins.property
    def capabilities(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities"]:
        '''The capabilities to add/drop when running containers.

        Defaults to the default set of capabilities granted by the container runtime.
        Note that this field cannot be set when spec.os.name is windows.

        :default: the default set of capabilities granted by the container runtime.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#capabilities
        '''
        result = self._values.get("capabilities")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities"], result)

    @builtins.property
    def privileged(self) -> typing.Optional[builtins.bool]:
        '''Run container in privileged mode.

        Processes in privileged containers are essentially equivalent to root on the host.
        Defaults to false.
        Note that this field cannot be set when spec.os.name is windows.

        :default: false.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#privileged
        '''
        result = self._values.get("privileged")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def proc_mount(self) -> typing.Optional[builtins.str]:
        '''procMount denotes the type of proc mount to use for the containers.

        The default value is Default which uses the container runtime defaults for
        readonly paths and masked paths.
        Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#procMount
        '''
        result = self._values.get("proc_mount")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def read_only_root_filesystem(self) -> typing.Optional[builtins.bool]:
        '''Whether this container has a read-only root filesystem.

        Default is false.
        Note that this field cannot be set when spec.os.name is windows.

        :default: false.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#readOnlyRootFilesystem
        '''
        result = self._values.get("read_only_root_filesystem")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def run_as_group(self) -> typing.Optional[jsii.Number]:
        '''The GID to run the entrypoint of the container process.

        Uses runtime default if unset.
        May also be set in PodSecurityContext.  If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#runAsGroup
        '''
        result = self._values.get("run_as_group")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def run_as_non_root(self) -> typing.Optional[builtins.bool]:
        '''Indicates that the container must run as a non-root user.

        If true, the Kubelet will validate the image at runtime to ensure that it
        does not run as UID 0 (root) and fail to start the container if it does.
        If unset or false, no such validation will be performed.
        May also be set in PodSecurityContext.  If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#runAsNonRoot
        '''
        result = self._values.get("run_as_non_root")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def run_as_user(self) -> typing.Optional[jsii.Number]:
        '''The UID to run the entrypoint of the container process.

        Defaults to user specified in image metadata if unspecified.
        May also be set in PodSecurityContext.  If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is windows.

        :default: user specified in image metadata if unspecified.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#runAsUser
        '''
        result = self._values.get("run_as_user")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def seccomp_profile(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile"]:
        '''The seccomp options to use by this container.

        If seccomp options are
        provided at both the pod & container level, the container options
        override the pod options.
        Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#seccompProfile
        '''
        result = self._values.get("seccomp_profile")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile"], result)

    @builtins.property
    def se_linux_options(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions"]:
        '''The SELinux context to be applied to the container.

        If unspecified, the container runtime will allocate a random SELinux context for each
        container.  May also be set in PodSecurityContext.  If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is windows.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#seLinuxOptions
        '''
        result = self._values.get("se_linux_options")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions"], result)

    @builtins.property
    def windows_options(
        self,
    ) -> typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions"]:
        '''The Windows specific settings applied to all containers.

        If unspecified, the options from the PodSecurityContext will be used.
        If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is linux.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContext#windowsOptions
        '''
        result = self._values.get("windows_options")
        return typing.cast(typing.Optional["GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContext(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile",
    jsii_struct_bases=[],
    name_mapping={"type": "type", "localhost_profile": "localhostProfile"},
)
class GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile:
    def __init__(
        self,
        *,
        type: builtins.str,
        localhost_profile: typing.Optional[builtins.str] = None,
    ) -> None:
        '''appArmorProfile is the AppArmor options to use by this container.

        If set, this profile
        overrides the pod's appArmorProfile.
        Note that this field cannot be set when spec.os.name is windows.

        :param type: type indicates which kind of AppArmor profile will be applied. Valid options are: Localhost - a profile pre-loaded on the node. RuntimeDefault - the container runtime's default profile. Unconfined - no AppArmor enforcement.
        :param localhost_profile: localhostProfile indicates a profile loaded on the node that should be used. The profile must be preconfigured on the node to work. Must match the loaded name of the profile. Must be set if and only if type is "Localhost".

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fa908b8a4b5b7507004d97be316bda91adf6fb9ca206f9a8cbfaeca720e581d9)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument localhost_profile", value=localhost_profile, expected_type=type_hints["localhost_profile"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if localhost_profile is not None:
            self._values["localhost_profile"] = localhost_profile

    @builtins.property
    def type(self) -> builtins.str:
        '''type indicates which kind of AppArmor profile will be applied.

        Valid options are:
        Localhost - a profile pre-loaded on the node.
        RuntimeDefault - the container runtime's default profile.
        Unconfined - no AppArmor enforcement.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def localhost_profile(self) -> typing.Optional[builtins.str]:
        '''localhostProfile indicates a profile loaded on the node that should be used.

        The profile must be preconfigured on the node to work.
        Must match the loaded name of the profile.
        Must be set if and only if type is "Localhost".

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile#localhostProfile
        '''
        result = self._values.get("localhost_profile")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities",
    jsii_struct_bases=[],
    name_mapping={"add": "add", "drop": "drop"},
)
class GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities:
    def __init__(
        self,
        *,
        add: typing.Optional[typing.Sequence[builtins.str]] = None,
        drop: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''The capabilities to add/drop when running containers.

        Defaults to the default set of capabilities granted by the container runtime.
        Note that this field cannot be set when spec.os.name is windows.

        :param add: Added capabilities.
        :param drop: Removed capabilities.

        :default: the default set of capabilities granted by the container runtime.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__145229e180df36803eb482351b27d6c7e2b7eb689842fb9f739bda3d1d2a491b)
            check_type(argname="argument add", value=add, expected_type=type_hints["add"])
            check_type(argname="argument drop", value=drop, expected_type=type_hints["drop"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if add is not None:
            self._values["add"] = add
        if drop is not None:
            self._values["drop"] = drop

    @builtins.property
    def add(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Added capabilities.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities#add
        '''
        result = self._values.get("add")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def drop(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Removed capabilities.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities#drop
        '''
        result = self._values.get("drop")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions",
    jsii_struct_bases=[],
    name_mapping={"level": "level", "role": "role", "type": "type", "user": "user"},
)
class GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions:
    def __init__(
        self,
        *,
        level: typing.Optional[builtins.str] = None,
        role: typing.Optional[builtins.str] = None,
        type: typing.Optional[builtins.str] = None,
        user: typing.Optional[builtins.str] = None,
    ) -> None:
        '''The SELinux context to be applied to the container.

        If unspecified, the container runtime will allocate a random SELinux context for each
        container.  May also be set in PodSecurityContext.  If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is windows.

        :param level: Level is SELinux level label that applies to the container.
        :param role: Role is a SELinux role label that applies to the container.
        :param type: Type is a SELinux type label that applies to the container.
        :param user: User is a SELinux user label that applies to the container.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c848781ec514e841e84adc084e362ee4bcd69a09def4742d4abfc67ccf490708)
            check_type(argname="argument level", value=level, expected_type=type_hints["level"])
            check_type(argname="argument role", value=role, expected_type=type_hints["role"])
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument user", value=user, expected_type=type_hints["user"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if level is not None:
            self._values["level"] = level
        if role is not None:
            self._values["role"] = role
        if type is not None:
            self._values["type"] = type
        if user is not None:
            self._values["user"] = user

    @builtins.property
    def level(self) -> typing.Optional[builtins.str]:
        '''Level is SELinux level label that applies to the container.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions#level
        '''
        result = self._values.get("level")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def role(self) -> typing.Optional[builtins.str]:
        '''Role is a SELinux role label that applies to the container.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions#role
        '''
        result = self._values.get("role")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def type(self) -> typing.Optional[builtins.str]:
        '''Type is a SELinux type label that applies to the container.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def user(self) -> typing.Optional[builtins.str]:
        '''User is a SELinux user label that applies to the container.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions#user
        '''
        result = self._values.get("user")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile",
    jsii_struct_bases=[],
    name_mapping={"type": "type", "localhost_profile": "localhostProfile"},
)
class GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile:
    def __init__(
        self,
        *,
        type: builtins.str,
        localhost_profile: typing.Optional[builtins.str] = None,
    ) -> None:
        '''The seccomp options to use by this container.

        If seccomp options are
        provided at both the pod & container level, the container options
        override the pod options.
        Note that this field cannot be set when spec.os.name is windows.

        :param type: type indicates which kind of seccomp profile will be applied. Valid options are:. Localhost - a profile defined in a file on the node should be used. RuntimeDefault - the container runtime default profile should be used. Unconfined - no profile should be applied.
        :param localhost_profile: localhostProfile indicates a profile defined in a file on the node should be used. The profile must be preconfigured on the node to work. Must be a descending path, relative to the kubelet's configured seccomp profile location. Must be set if type is "Localhost". Must NOT be set for any other type.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fa9c420526325ac244bc0888046de435e4409e8302f618515769671a69b6764d)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument localhost_profile", value=localhost_profile, expected_type=type_hints["localhost_profile"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if localhost_profile is not None:
            self._values["localhost_profile"] = localhost_profile

    @builtins.property
    def type(self) -> builtins.str:
        '''type indicates which kind of seccomp profile will be applied. Valid options are:.

        Localhost - a profile defined in a file on the node should be used.
        RuntimeDefault - the container runtime default profile should be used.
        Unconfined - no profile should be applied.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def localhost_profile(self) -> typing.Optional[builtins.str]:
        '''localhostProfile indicates a profile defined in a file on the node should be used.

        The profile must be preconfigured on the node to work.
        Must be a descending path, relative to the kubelet's configured seccomp profile location.
        Must be set if type is "Localhost". Must NOT be set for any other type.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile#localhostProfile
        '''
        result = self._values.get("localhost_profile")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions",
    jsii_struct_bases=[],
    name_mapping={
        "gmsa_credential_spec": "gmsaCredentialSpec",
        "gmsa_credential_spec_name": "gmsaCredentialSpecName",
        "host_process": "hostProcess",
        "run_as_user_name": "runAsUserName",
    },
)
class GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions:
    def __init__(
        self,
        *,
        gmsa_credential_spec: typing.Optional[builtins.str] = None,
        gmsa_credential_spec_name: typing.Optional[builtins.str] = None,
        host_process: typing.Optional[builtins.bool] = None,
        run_as_user_name: typing.Optional[builtins.str] = None,
    ) -> None:
        '''The Windows specific settings applied to all containers.

        If unspecified, the options from the PodSecurityContext will be used.
        If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence.
        Note that this field cannot be set when spec.os.name is linux.

        :param gmsa_credential_spec: GMSACredentialSpec is where the GMSA admission webhook (https://github.com/kubernetes-sigs/windows-gmsa) inlines the contents of the GMSA credential spec named by the GMSACredentialSpecName field.
        :param gmsa_credential_spec_name: GMSACredentialSpecName is the name of the GMSA credential spec to use.
        :param host_process: HostProcess determines if a container should be run as a 'Host Process' container. All of a Pod's containers must have the same effective HostProcess value (it is not allowed to have a mix of HostProcess containers and non-HostProcess containers). In addition, if HostProcess is true then HostNetwork must also be set to true.
        :param run_as_user_name: The UserName in Windows to run the entrypoint of the container process. Defaults to the user specified in image metadata if unspecified. May also be set in PodSecurityContext. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Default: the user specified in image metadata if unspecified.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2837d7cef7110bb95958b0c116a173c2e62356d82b42b2e9ac6beaca51180989)
            check_type(argname="argument gmsa_credential_spec", value=gmsa_credential_spec, expected_type=type_hints["gmsa_credential_spec"])
            check_type(argname="argument gmsa_credential_spec_name", value=gmsa_credential_spec_name, expected_type=type_hints["gmsa_credential_spec_name"])
            check_type(argname="argument host_process", value=host_process, expected_type=type_hints["host_process"])
            check_type(argname="argument run_as_user_name", value=run_as_user_name, expected_type=type_hints["run_as_user_name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if gmsa_credential_spec is not None:
            self._values["gmsa_credential_spec"] = gmsa_credential_spec
        if gmsa_credential_spec_name is not None:
            self._values["gmsa_credential_spec_name"] = gmsa_credential_spec_name
        if host_process is not None:
            self._values["host_process"] = host_process
        if run_as_user_name is not None:
            self._values["run_as_user_name"] = run_as_user_name

    @builtins.property
    def gmsa_credential_spec(self) -> typing.Optional[builtins.str]:
        '''GMSACredentialSpec is where the GMSA admission webhook (https://github.com/kubernetes-sigs/windows-gmsa) inlines the contents of the GMSA credential spec named by the GMSACredentialSpecName field.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions#gmsaCredentialSpec
        '''
        result = self._values.get("gmsa_credential_spec")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def gmsa_credential_spec_name(self) -> typing.Optional[builtins.str]:
        '''GMSACredentialSpecName is the name of the GMSA credential spec to use.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions#gmsaCredentialSpecName
        '''
        result = self._values.get("gmsa_credential_spec_name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def host_process(self) -> typing.Optional[builtins.bool]:
        '''HostProcess determines if a container should be run as a 'Host Process' container.

        All of a Pod's containers must have the same effective HostProcess value
        (it is not allowed to have a mix of HostProcess containers and non-HostProcess containers).
        In addition, if HostProcess is true then HostNetwork must also be set to true.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions#hostProcess
        '''
        result = self._values.get("host_process")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def run_as_user_name(self) -> typing.Optional[builtins.str]:
        '''The UserName in Windows to run the entrypoint of the container process.

        Defaults to the user specified in image metadata if unspecified.
        May also be set in PodSecurityContext. If set in both SecurityContext and
        PodSecurityContext, the value specified in SecurityContext takes precedence.

        :default: the user specified in image metadata if unspecified.

        :schema: GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions#runAsUserName
        '''
        result = self._values.get("run_as_user_name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecExtProcKubernetesVolumeMounts",
    jsii_struct_bases=[],
    name_mapping={
        "mount_path": "mountPath",
        "name": "name",
        "mount_propagation": "mountPropagation",
        "read_only": "readOnly",
        "recursive_read_only": "recursiveReadOnly",
        "sub_path": "subPath",
        "sub_path_expr": "subPathExpr",
    },
)
class GatewayConfigSpecExtProcKubernetesVolumeMounts:
    def __init__(
        self,
        *,
        mount_path: builtins.str,
        name: builtins.str,
        mount_propagation: typing.Optional[builtins.str] = None,
        read_only: typing.Optional[builtins.bool] = None,
        recursive_read_only: typing.Optional[builtins.str] = None,
        sub_path: typing.Optional[builtins.str] = None,
        sub_path_expr: typing.Optional[builtins.str] = None,
    ) -> None:
        '''VolumeMount describes a mounting of a Volume within a container.

        :param mount_path: Path within the container at which the volume should be mounted. Must not contain ':'.
        :param name: This must match the Name of a Volume.
        :param mount_propagation: mountPropagation determines how mounts are propagated from the host to container and the other way around. When not set, MountPropagationNone is used. This field is beta in 1.10. When RecursiveReadOnly is set to IfPossible or to Enabled, MountPropagation must be None or unspecified (which defaults to None).
        :param read_only: Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false. Default: false.
        :param recursive_read_only: RecursiveReadOnly specifies whether read-only mounts should be handled recursively. If ReadOnly is false, this field has no meaning and must be unspecified. If ReadOnly is true, and this field is set to Disabled, the mount is not made recursively read-only. If this field is set to IfPossible, the mount is made recursively read-only, if it is supported by the container runtime. If this field is set to Enabled, the mount is made recursively read-only if it is supported by the container runtime, otherwise the pod will not be started and an error will be generated to indicate the reason. If this field is set to IfPossible or Enabled, MountPropagation must be set to None (or be unspecified, which defaults to None). If this field is not specified, it is treated as an equivalent of Disabled.
        :param sub_path: Path within the volume from which the container's volume should be mounted. Defaults to "" (volume's root). Default: volume's root).
        :param sub_path_expr: Expanded path within the volume from which the container's volume should be mounted. Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container's environment. Defaults to "" (volume's root). SubPathExpr and SubPath are mutually exclusive. Default: volume's root).

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f4d2057c551eef821a2a61994d1bf11d2c725beb301868d7e066dc81a7848a34)
            check_type(argname="argument mount_path", value=mount_path, expected_type=type_hints["mount_path"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument mount_propagation", value=mount_propagation, expected_type=type_hints["mount_propagation"])
            check_type(argname="argument read_only", value=read_only, expected_type=type_hints["read_only"])
            check_type(argname="argument recursive_read_only", value=recursive_read_only, expected_type=type_hints["recursive_read_only"])
            check_type(argname="argument sub_path", value=sub_path, expected_type=type_hints["sub_path"])
            check_type(argname="argument sub_path_expr", value=sub_path_expr, expected_type=type_hints["sub_path_expr"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "mount_path": mount_path,
            "name": name,
        }
        if mount_propagation is not None:
            self._values["mount_propagation"] = mount_propagation
        if read_only is not None:
            self._values["read_only"] = read_only
        if recursive_read_only is not None:
            self._values["recursive_read_only"] = recursive_read_only
        if sub_path is not None:
            self._values["sub_path"] = sub_path
        if sub_path_expr is not None:
            self._values["sub_path_expr"] = sub_path_expr

    @builtins.property
    def mount_path(self) -> builtins.str:
        '''Path within the container at which the volume should be mounted.

        Must
        not contain ':'.

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#mountPath
        '''
        result = self._values.get("mount_path")
        assert result is not None, "Required property 'mount_path' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''This must match the Name of a Volume.

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def mount_propagation(self) -> typing.Optional[builtins.str]:
        '''mountPropagation determines how mounts are propagated from the host to container and the other way around.

        When not set, MountPropagationNone is used.
        This field is beta in 1.10.
        When RecursiveReadOnly is set to IfPossible or to Enabled, MountPropagation must be None or unspecified
        (which defaults to None).

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#mountPropagation
        '''
        result = self._values.get("mount_propagation")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def read_only(self) -> typing.Optional[builtins.bool]:
        '''Mounted read-only if true, read-write otherwise (false or unspecified).

        Defaults to false.

        :default: false.

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#readOnly
        '''
        result = self._values.get("read_only")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def recursive_read_only(self) -> typing.Optional[builtins.str]:
        '''RecursiveReadOnly specifies whether read-only mounts should be handled recursively.

        If ReadOnly is false, this field has no meaning and must be unspecified.

        If ReadOnly is true, and this field is set to Disabled, the mount is not made
        recursively read-only.  If this field is set to IfPossible, the mount is made
        recursively read-only, if it is supported by the container runtime.  If this
        field is set to Enabled, the mount is made recursively read-only if it is
        supported by the container runtime, otherwise the pod will not be started and
        an error will be generated to indicate the reason.

        If this field is set to IfPossible or Enabled, MountPropagation must be set to
        None (or be unspecified, which defaults to None).

        If this field is not specified, it is treated as an equivalent of Disabled.

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#recursiveReadOnly
        '''
        result = self._values.get("recursive_read_only")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def sub_path(self) -> typing.Optional[builtins.str]:
        '''Path within the volume from which the container's volume should be mounted.

        Defaults to "" (volume's root).

        :default: volume's root).

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#subPath
        '''
        result = self._values.get("sub_path")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def sub_path_expr(self) -> typing.Optional[builtins.str]:
        '''Expanded path within the volume from which the container's volume should be mounted.

        Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container's environment.
        Defaults to "" (volume's root).
        SubPathExpr and SubPath are mutually exclusive.

        :default: volume's root).

        :schema: GatewayConfigSpecExtProcKubernetesVolumeMounts#subPathExpr
        '''
        result = self._values.get("sub_path_expr")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecExtProcKubernetesVolumeMounts(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecForwardProxy",
    jsii_struct_bases=[],
    name_mapping={"address": "address"},
)
class GatewayConfigSpecForwardProxy:
    def __init__(self, *, address: builtins.str) -> None:
        '''ForwardProxy routes all upstream AI/LLM traffic from Gateways referencing this GatewayConfig through an HTTP CONNECT forward proxy.

        This is intended for data planes
        in locked-down networks where direct egress to providers is not permitted and all
        outbound traffic must traverse a proxy.

        :param address: Address is the "host:port" of the HTTP CONNECT proxy. The host may be a hostname or an IP address; the port is required. Upstream connections are tunnelled through this proxy via Envoy's http_11_proxy transport socket, preserving the upstream TLS session.

        :schema: GatewayConfigSpecForwardProxy
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2252b86840bbeedcbab6e7b08f2d1da77d925be1fd41309fed287ce8147db13f)
            check_type(argname="argument address", value=address, expected_type=type_hints["address"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "address": address,
        }

    @builtins.property
    def address(self) -> builtins.str:
        '''Address is the "host:port" of the HTTP CONNECT proxy.

        The host may be a hostname or an
        IP address; the port is required. Upstream connections are tunnelled through this proxy
        via Envoy's http_11_proxy transport socket, preserving the upstream TLS session.

        :schema: GatewayConfigSpecForwardProxy#address
        '''
        result = self._values.get("address")
        assert result is not None, "Required property 'address' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecForwardProxy(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecGlobalLlmRequestCosts",
    jsii_struct_bases=[],
    name_mapping={"metadata_key": "metadataKey", "type": "type", "cel": "cel"},
)
class GatewayConfigSpecGlobalLlmRequestCosts:
    def __init__(
        self,
        *,
        metadata_key: builtins.str,
        type: "GatewayConfigSpecGlobalLlmRequestCostsType",
        cel: typing.Optional[builtins.str] = None,
    ) -> None:
        '''LLMRequestCost configures each request cost.

        :param metadata_key: MetadataKey is the key of the metadata to store this cost of the request.
        :param type: Type specifies the type of the request cost. The default is "OutputToken", and it uses "output token" as the cost. The other types are "InputToken", "TotalToken", "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".
        :param cel: CEL is the CEL expression to calculate the cost of the request. The CEL expression must return a signed or unsigned integer. If the return value is negative, it will be error. The expression can use the following variables: - model: the model name extracted from the request content. Type: string. - backend: the backend name in the form of "name.namespace". Type: string. - input_tokens: the number of input tokens. Type: unsigned integer. - cached_input_tokens: the number of cached read input tokens. Type: unsigned integer. - cache_creation_input_tokens: the number of cache creation input tokens. Type: unsigned integer. - output_tokens: the number of output tokens. Type: unsigned integer. - total_tokens: the total number of tokens. Type: unsigned integer. - reasoning_tokens: the number of reasoning tokens. Type: unsigned integer. For example, the following expressions are valid: - "model == 'llama' ? input_tokens + output_token * 0.5 : total_tokens" - "backend == 'foo.default' ? input_tokens + output_tokens : total_tokens" - "backend == 'bar.default' ? (input_tokens - cached_input_tokens) + cached_input_tokens * 0.1 + cache_creation_input_tokens * 1.25 + output_tokens : total_tokens" - "input_tokens + output_tokens + total_tokens" - "input_tokens * output_tokens"

        :schema: GatewayConfigSpecGlobalLlmRequestCosts
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__9de006b6b8671299371097762b6bd3e90f95e652c625cdf1753dc6d505c9ebd5)
            check_type(argname="argument metadata_key", value=metadata_key, expected_type=type_hints["metadata_key"])
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument cel", value=cel, expected_type=type_hints["cel"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "metadata_key": metadata_key,
            "type": type,
        }
        if cel is not None:
            self._values["cel"] = cel

    @builtins.property
    def metadata_key(self) -> builtins.str:
        '''MetadataKey is the key of the metadata to store this cost of the request.

        :schema: GatewayConfigSpecGlobalLlmRequestCosts#metadataKey
        '''
        result = self._values.get("metadata_key")
        assert result is not None, "Required property 'metadata_key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def type(self) -> "GatewayConfigSpecGlobalLlmRequestCostsType":
        '''Type specifies the type of the request cost.

        The default is "OutputToken",
        and it uses "output token" as the cost. The other types are "InputToken", "TotalToken",
        "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".

        :schema: GatewayConfigSpecGlobalLlmRequestCosts#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("GatewayConfigSpecGlobalLlmRequestCostsType", result)

    @builtins.property
    def cel(self) -> typing.Optional[builtins.str]:
        '''CEL is the CEL expression to calculate the cost of the request.

        The CEL expression must return a signed or unsigned integer. If the
        return value is negative, it will be error.

        The expression can use the following variables:

        - model: the model name extracted from the request content. Type: string.
        - backend: the backend name in the form of "name.namespace". Type: string.
        - input_tokens: the number of input tokens. Type: unsigned integer.
        - cached_input_tokens: the number of cached read input tokens. Type: unsigned integer.
        - cache_creation_input_tokens: the number of cache creation input tokens. Type: unsigned integer.
        - output_tokens: the number of output tokens. Type: unsigned integer.
        - total_tokens: the total number of tokens. Type: unsigned integer.
        - reasoning_tokens: the number of reasoning tokens. Type: unsigned integer.

        For example, the following expressions are valid:

        - "model == 'llama' ?  input_tokens + output_token * 0.5 : total_tokens"
        - "backend == 'foo.default' ?  input_tokens + output_tokens : total_tokens"
        - "backend == 'bar.default' ?  (input_tokens - cached_input_tokens) + cached_input_tokens * 0.1 + cache_creation_input_tokens * 1.25 + output_tokens : total_tokens"
        - "input_tokens + output_tokens + total_tokens"
        - "input_tokens * output_tokens"

        :schema: GatewayConfigSpecGlobalLlmRequestCosts#cel
        '''
        result = self._values.get("cel")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayConfigSpecGlobalLlmRequestCosts(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="ioenvoyproxyaigateway.GatewayConfigSpecGlobalLlmRequestCostsType"
)
class GatewayConfigSpecGlobalLlmRequestCostsType(enum.Enum):
    '''Type specifies the type of the request cost.

    The default is "OutputToken",
    and it uses "output token" as the cost. The other types are "InputToken", "TotalToken",
    "CachedInputToken", "CacheCreationInputToken", "ReasoningToken", and "CEL".

    :schema: GatewayConfigSpecGlobalLlmRequestCostsType
    '''

    OUTPUT_TOKEN = "OUTPUT_TOKEN"
    '''OutputToken.'''
    INPUT_TOKEN = "INPUT_TOKEN"
    '''InputToken.'''
    CACHED_INPUT_TOKEN = "CACHED_INPUT_TOKEN"
    '''CachedInputToken.'''
    CACHE_CREATION_INPUT_TOKEN = "CACHE_CREATION_INPUT_TOKEN"
    '''CacheCreationInputToken.'''
    TOTAL_TOKEN = "TOTAL_TOKEN"
    '''TotalToken.'''
    REASONING_TOKEN = "REASONING_TOKEN"
    '''ReasoningToken.'''
    CEL = "CEL"
    '''CEL.'''


__all__ = [
    "AiGatewayRoute",
    "AiGatewayRouteProps",
    "AiGatewayRouteSpec",
    "AiGatewayRouteSpecLlmRequestCosts",
    "AiGatewayRouteSpecLlmRequestCostsType",
    "AiGatewayRouteSpecParentRefs",
    "AiGatewayRouteSpecRules",
    "AiGatewayRouteSpecRulesBackendRefs",
    "AiGatewayRouteSpecRulesBackendRefsBodyMutation",
    "AiGatewayRouteSpecRulesBackendRefsBodyMutationSet",
    "AiGatewayRouteSpecRulesBackendRefsHeaderMutation",
    "AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet",
    "AiGatewayRouteSpecRulesMatches",
    "AiGatewayRouteSpecRulesMatchesHeaders",
    "AiGatewayRouteSpecRulesMatchesHeadersType",
    "AiGatewayRouteSpecRulesTimeouts",
    "AiServiceBackend",
    "AiServiceBackendProps",
    "AiServiceBackendSpec",
    "AiServiceBackendSpecBackendRef",
    "AiServiceBackendSpecBodyMutation",
    "AiServiceBackendSpecBodyMutationSet",
    "AiServiceBackendSpecHeaderMutation",
    "AiServiceBackendSpecHeaderMutationSet",
    "AiServiceBackendSpecSchema",
    "AiServiceBackendSpecSchemaName",
    "GatewayConfig",
    "GatewayConfigProps",
    "GatewayConfigSpec",
    "GatewayConfigSpecExtProc",
    "GatewayConfigSpecExtProcKubernetes",
    "GatewayConfigSpecExtProcKubernetesEnv",
    "GatewayConfigSpecExtProcKubernetesEnvValueFrom",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor",
    "GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef",
    "GatewayConfigSpecExtProcKubernetesResources",
    "GatewayConfigSpecExtProcKubernetesResourcesClaims",
    "GatewayConfigSpecExtProcKubernetesResourcesLimits",
    "GatewayConfigSpecExtProcKubernetesResourcesRequests",
    "GatewayConfigSpecExtProcKubernetesSecurityContext",
    "GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile",
    "GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities",
    "GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions",
    "GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile",
    "GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions",
    "GatewayConfigSpecExtProcKubernetesVolumeMounts",
    "GatewayConfigSpecForwardProxy",
    "GatewayConfigSpecGlobalLlmRequestCosts",
    "GatewayConfigSpecGlobalLlmRequestCostsType",
]

publication.publish()

def _typecheckingstub__466a65abf04a900341b0531f63461a75b71589aa464a4b2d6eb2bce39721b539(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AiGatewayRouteSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__969249440253dc822e4c55f9f1b2a1b49df1ab161ea76403196b1697862f5756(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AiGatewayRouteSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c27854126e0d59a5dde91b23530b1a4e116045de6b0bacd0ad096bcb4df3ab94(
    *,
    rules: typing.Sequence[typing.Union[AiGatewayRouteSpecRules, typing.Dict[builtins.str, typing.Any]]],
    hostnames: typing.Optional[typing.Sequence[builtins.str]] = None,
    llm_request_costs: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecLlmRequestCosts, typing.Dict[builtins.str, typing.Any]]]] = None,
    parent_refs: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecParentRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c54f2cc12ae7e025450d2147fe926101f29aa41d4bf40ea19e0457625d49ae57(
    *,
    metadata_key: builtins.str,
    type: AiGatewayRouteSpecLlmRequestCostsType,
    cel: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__132257401f697b27f0799b6f35a4bc442908df8cc26494132f716badfa601541(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    port: typing.Optional[jsii.Number] = None,
    section_name: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__841bdc63ea2980901b030838ddd46df68e2445c5d2f308a17960e0c653620176(
    *,
    backend_refs: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecRulesBackendRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
    matches: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecRulesMatches, typing.Dict[builtins.str, typing.Any]]]] = None,
    models_created_at: typing.Optional[datetime.datetime] = None,
    models_owned_by: typing.Optional[builtins.str] = None,
    name: typing.Optional[builtins.str] = None,
    stream_idle_timeout: typing.Optional[builtins.str] = None,
    timeouts: typing.Optional[typing.Union[AiGatewayRouteSpecRulesTimeouts, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__7bbf9806f98afac2fd3465c883e3f79a1bf4327490b1e79978e3f5e0c7ce75aa(
    *,
    name: builtins.str,
    body_mutation: typing.Optional[typing.Union[AiGatewayRouteSpecRulesBackendRefsBodyMutation, typing.Dict[builtins.str, typing.Any]]] = None,
    group: typing.Optional[builtins.str] = None,
    header_mutation: typing.Optional[typing.Union[AiGatewayRouteSpecRulesBackendRefsHeaderMutation, typing.Dict[builtins.str, typing.Any]]] = None,
    kind: typing.Optional[builtins.str] = None,
    model_name_override: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    priority: typing.Optional[jsii.Number] = None,
    weight: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__406e25f5e543a37ecd2773526019216e6bd5437d95bfb3e9de836874e2a6fcef(
    *,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecRulesBackendRefsBodyMutationSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__af8b4278df659cc4aa351692c6e2e511198217923fc70a6793ada614c32b8127(
    *,
    path: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c1e2fd99acbed28ab4bc602f647044ce50c20be04a360deba543c494b74f11f2(
    *,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecRulesBackendRefsHeaderMutationSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__338f2383f8b955d0d633d2966ca1361b735aedbdbfa4bd217d9e3fe2d7641e64(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b08556121293a35cc058dc7f1e46ec4ec646e5ab83e99f9102cf752b6b2a0560(
    *,
    headers: typing.Optional[typing.Sequence[typing.Union[AiGatewayRouteSpecRulesMatchesHeaders, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__293d33e29cf16bb24935cfeba5f9841393dfc0dc5502e506d49688cbf3c9ca18(
    *,
    name: builtins.str,
    value: builtins.str,
    type: typing.Optional[AiGatewayRouteSpecRulesMatchesHeadersType] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__d978bda485e94000040bedc451bdecc6d85639c2529f11ee2bb51ab841730c1e(
    *,
    backend_request: typing.Optional[builtins.str] = None,
    request: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3270229bd37079d7c8305f3d775e9afc37b7acf3112d5cec3be366c73d3deedd(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AiServiceBackendSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a43aad98d00120fc9b650138142a9fa6459985c91aacfdd78c6fc2aa39058ab1(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AiServiceBackendSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a2c11c8ca15faa9a3e40e161ee752a204facf83dc9b41383d6788f3bded804ee(
    *,
    backend_ref: typing.Union[AiServiceBackendSpecBackendRef, typing.Dict[builtins.str, typing.Any]],
    schema: typing.Union[AiServiceBackendSpecSchema, typing.Dict[builtins.str, typing.Any]],
    body_mutation: typing.Optional[typing.Union[AiServiceBackendSpecBodyMutation, typing.Dict[builtins.str, typing.Any]]] = None,
    header_mutation: typing.Optional[typing.Union[AiServiceBackendSpecHeaderMutation, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__90598b3f309b2551321a7bcfe80e32ab19654137ff83eb8b413067aa0c5445fc(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    port: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b858e9b416dd2899e7368c01d9774d9b13c3adb88122719112be67c839029389(
    *,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[AiServiceBackendSpecBodyMutationSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__845b8c397cbc00bb89bb556fb975a6180948b7507343b470e8053681f66ab016(
    *,
    path: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__47fb72b62b4aee7d21cb5b13d021eaed3f52ece21aee7240da2f8d197154d4c1(
    *,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[AiServiceBackendSpecHeaderMutationSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f3403c9c4d6e7cb9e9f9ddc3b612a5465578e97310ab3e6b5374aa1611694ecd(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f32e72da1521007662268f70e1c50e386a1bf6b3b1a3c129319a0127b322b4a0(
    *,
    name: AiServiceBackendSpecSchemaName,
    prefix: typing.Optional[builtins.str] = None,
    version: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__de1fab5bfe2c1c39ef198d092ee78a2b5d49958acc9eed3aebf5928a68b2f36c(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[GatewayConfigSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3ca5fcdfa3b61d1718f7c3f9c7e79db0ca47fee942723192040381ed0f1efa30(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[GatewayConfigSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__2319aae98da5a74d3bf50fd96f20bca07dd3ae340d4be33044858213bd930cdc(
    *,
    ext_proc: typing.Optional[typing.Union[GatewayConfigSpecExtProc, typing.Dict[builtins.str, typing.Any]]] = None,
    forward_proxy: typing.Optional[typing.Union[GatewayConfigSpecForwardProxy, typing.Dict[builtins.str, typing.Any]]] = None,
    global_llm_request_costs: typing.Optional[typing.Sequence[typing.Union[GatewayConfigSpecGlobalLlmRequestCosts, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__568491d3cc7ddabf161827c4766996b9a51030d3229c60d445e0b9f2c180d031(
    *,
    kubernetes: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetes, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__ce1d1bacc14b524f8dc3bc7a24980ff19a81fd444b731f1772f0d2fd6ad65c34(
    *,
    env: typing.Optional[typing.Sequence[typing.Union[GatewayConfigSpecExtProcKubernetesEnv, typing.Dict[builtins.str, typing.Any]]]] = None,
    image: typing.Optional[builtins.str] = None,
    image_repository: typing.Optional[builtins.str] = None,
    resources: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesResources, typing.Dict[builtins.str, typing.Any]]] = None,
    security_context: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContext, typing.Dict[builtins.str, typing.Any]]] = None,
    volume_mounts: typing.Optional[typing.Sequence[typing.Union[GatewayConfigSpecExtProcKubernetesVolumeMounts, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__517130f634a5e36be5963b58ecbcb30f18f7080235e1b24b45cb37443561067c(
    *,
    name: builtins.str,
    value: typing.Optional[builtins.str] = None,
    value_from: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFrom, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__21e72a94dc4b8f9569dafbd1a85864896df032a8fd9b4b1d45d12675c7f9219c(
    *,
    config_map_key_ref: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFromConfigMapKeyRef, typing.Dict[builtins.str, typing.Any]]] = None,
    field_ref: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFromFieldRef, typing.Dict[builtins.str, typing.Any]]] = None,
    file_key_ref: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFromFileKeyRef, typing.Dict[builtins.str, typing.Any]]] = None,
    resource_field_ref: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRef, typing.Dict[builtins.str, typing.Any]]] = None,
    secret_key_ref: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b1f2c5cff608fcba42cbb34cd74f06421b5f86670e3ff4440b98ea5b0ae771fd(
    *,
    key: builtins.str,
    name: typing.Optional[builtins.str] = None,
    optional: typing.Optional[builtins.bool] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a473a7ff5e8074eaedd7400174dc6cf820c75edaf0b158bbd68ae6dbe249f072(
    *,
    field_path: builtins.str,
    api_version: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b7fd1425000492f0d1fc26ba44921314b9d3aeb1a60665ac09afc1c6e2060a14(
    *,
    key: builtins.str,
    path: builtins.str,
    volume_name: builtins.str,
    optional: typing.Optional[builtins.bool] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f27e4def7e712163e9c9d6e14e9866f847ffe726aa03597cddbd6a134a56fbc7(
    *,
    resource: builtins.str,
    container_name: typing.Optional[builtins.str] = None,
    divisor: typing.Optional[GatewayConfigSpecExtProcKubernetesEnvValueFromResourceFieldRefDivisor] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__23cf453396be13f3f5e2c6f07308dc9bd690ce8da6145736539821f8893ae982(
    value: jsii.Number,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5b63d21aa8ee07ae4884949e6463671e1e83c0be9d1eb44e8d52b7e8802e796a(
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f4c9f32e9082da3c1bb9574bad96950b7379c919c4197e59cfc7d8827742de76(
    *,
    key: builtins.str,
    name: typing.Optional[builtins.str] = None,
    optional: typing.Optional[builtins.bool] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__ce86b501e57850467b7da7e4cc6acd2e0b558d2b4175b536ea1708a4537f460e(
    *,
    claims: typing.Optional[typing.Sequence[typing.Union[GatewayConfigSpecExtProcKubernetesResourcesClaims, typing.Dict[builtins.str, typing.Any]]]] = None,
    limits: typing.Optional[typing.Mapping[builtins.str, GatewayConfigSpecExtProcKubernetesResourcesLimits]] = None,
    requests: typing.Optional[typing.Mapping[builtins.str, GatewayConfigSpecExtProcKubernetesResourcesRequests]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__d4b84eba9be73c9c153a826cce54d7cd2e1785acc1c87a4ad632ffaf0c685c12(
    *,
    name: builtins.str,
    request: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b9f7cf654f48e424c7a6d63c33a2006c8e0a97a1ae45707aa521aa73eac605b6(
    value: jsii.Number,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c065e53e82a7c29e1f598fa6aaf6762d596c77c7aa7d7d8065a9800006058776(
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__51692b0a9ca874fd35ea0f13bb6116f9ed23a3c4c5bc82ca39dacbb5eaeff74d(
    value: jsii.Number,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5d2036f43f21a2fd0b1be06cef449914c45f36b61a38cd828a413fa5f9ccb5b5(
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__ef7dae61e86fb751465a6ba8d1ba7b52023548351eafea8542aa7fba9a0c1d64(
    *,
    allow_privilege_escalation: typing.Optional[builtins.bool] = None,
    app_armor_profile: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContextAppArmorProfile, typing.Dict[builtins.str, typing.Any]]] = None,
    capabilities: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContextCapabilities, typing.Dict[builtins.str, typing.Any]]] = None,
    privileged: typing.Optional[builtins.bool] = None,
    proc_mount: typing.Optional[builtins.str] = None,
    read_only_root_filesystem: typing.Optional[builtins.bool] = None,
    run_as_group: typing.Optional[jsii.Number] = None,
    run_as_non_root: typing.Optional[builtins.bool] = None,
    run_as_user: typing.Optional[jsii.Number] = None,
    seccomp_profile: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContextSeccompProfile, typing.Dict[builtins.str, typing.Any]]] = None,
    se_linux_options: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContextSeLinuxOptions, typing.Dict[builtins.str, typing.Any]]] = None,
    windows_options: typing.Optional[typing.Union[GatewayConfigSpecExtProcKubernetesSecurityContextWindowsOptions, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fa908b8a4b5b7507004d97be316bda91adf6fb9ca206f9a8cbfaeca720e581d9(
    *,
    type: builtins.str,
    localhost_profile: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__145229e180df36803eb482351b27d6c7e2b7eb689842fb9f739bda3d1d2a491b(
    *,
    add: typing.Optional[typing.Sequence[builtins.str]] = None,
    drop: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c848781ec514e841e84adc084e362ee4bcd69a09def4742d4abfc67ccf490708(
    *,
    level: typing.Optional[builtins.str] = None,
    role: typing.Optional[builtins.str] = None,
    type: typing.Optional[builtins.str] = None,
    user: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fa9c420526325ac244bc0888046de435e4409e8302f618515769671a69b6764d(
    *,
    type: builtins.str,
    localhost_profile: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__2837d7cef7110bb95958b0c116a173c2e62356d82b42b2e9ac6beaca51180989(
    *,
    gmsa_credential_spec: typing.Optional[builtins.str] = None,
    gmsa_credential_spec_name: typing.Optional[builtins.str] = None,
    host_process: typing.Optional[builtins.bool] = None,
    run_as_user_name: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f4d2057c551eef821a2a61994d1bf11d2c725beb301868d7e066dc81a7848a34(
    *,
    mount_path: builtins.str,
    name: builtins.str,
    mount_propagation: typing.Optional[builtins.str] = None,
    read_only: typing.Optional[builtins.bool] = None,
    recursive_read_only: typing.Optional[builtins.str] = None,
    sub_path: typing.Optional[builtins.str] = None,
    sub_path_expr: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__2252b86840bbeedcbab6e7b08f2d1da77d925be1fd41309fed287ce8147db13f(
    *,
    address: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__9de006b6b8671299371097762b6bd3e90f95e652c625cdf1753dc6d505c9ebd5(
    *,
    metadata_key: builtins.str,
    type: GatewayConfigSpecGlobalLlmRequestCostsType,
    cel: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass
