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


class Gateway(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="iok8snetworkinggateway.Gateway",
):
    '''Gateway represents an instance of a service-traffic handling infrastructure by binding Listeners to a set of IP addresses.

    A Gateway name SHOULD be compliant with RFC 1035, consisting of a maximum of 63 lower case alphanumeric
    characters or hyphens ('-'), and MUST start and end with an alphanumeric character.

    :schema: Gateway
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        spec: typing.Union["GatewaySpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "Gateway" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param spec: Spec defines the desired state of Gateway.
        :param metadata: 
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__cabc98ad409afc45e6aaf13b346e8cb91a2ff88c935a0841bfe8497949111873)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = GatewayProps(spec=spec, metadata=metadata)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        spec: typing.Union["GatewaySpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "Gateway".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param spec: Spec defines the desired state of Gateway.
        :param metadata: 
        '''
        props = GatewayProps(spec=spec, metadata=metadata)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "Gateway".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


class GatewayClass(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="iok8snetworkinggateway.GatewayClass",
):
    '''GatewayClass describes a class of Gateways available to the user for creating Gateway resources.

    It is recommended that this resource be used as a template for Gateways. This
    means that a Gateway is based on the state of the GatewayClass at the time it
    was created and changes to the GatewayClass or associated parameters are not
    propagated down to existing Gateways. This recommendation is intended to
    limit the blast radius of changes to GatewayClass or associated parameters.
    If implementations choose to propagate GatewayClass changes to existing
    Gateways, that MUST be clearly documented by the implementation.

    Whenever one or more Gateways are using a GatewayClass, implementations SHOULD
    add the ``gateway-exists-finalizer.gateway.networking.k8s.io`` finalizer on the
    associated GatewayClass. This ensures that a GatewayClass associated with a
    Gateway is not deleted while in use.

    GatewayClass is a Cluster level resource.

    A GatewayClass name SHOULD be compliant with RFC 1035, consisting of a maximum of 63 lower case alphanumeric
    characters or hyphens ('-'), and MUST start and end with an alphanumeric character.

    :schema: GatewayClass
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        spec: typing.Union["GatewayClassSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "GatewayClass" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param spec: Spec defines the desired state of GatewayClass.
        :param metadata: 
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__0ebbcaa1d72698c56ff9f7c10e634dca828e62d0a15714e96f0d2a61ad6f42e1)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = GatewayClassProps(spec=spec, metadata=metadata)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        spec: typing.Union["GatewayClassSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "GatewayClass".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param spec: Spec defines the desired state of GatewayClass.
        :param metadata: 
        '''
        props = GatewayClassProps(spec=spec, metadata=metadata)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "GatewayClass".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewayClassProps",
    jsii_struct_bases=[],
    name_mapping={"spec": "spec", "metadata": "metadata"},
)
class GatewayClassProps:
    def __init__(
        self,
        *,
        spec: typing.Union["GatewayClassSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''GatewayClass describes a class of Gateways available to the user for creating Gateway resources.

        It is recommended that this resource be used as a template for Gateways. This
        means that a Gateway is based on the state of the GatewayClass at the time it
        was created and changes to the GatewayClass or associated parameters are not
        propagated down to existing Gateways. This recommendation is intended to
        limit the blast radius of changes to GatewayClass or associated parameters.
        If implementations choose to propagate GatewayClass changes to existing
        Gateways, that MUST be clearly documented by the implementation.

        Whenever one or more Gateways are using a GatewayClass, implementations SHOULD
        add the ``gateway-exists-finalizer.gateway.networking.k8s.io`` finalizer on the
        associated GatewayClass. This ensures that a GatewayClass associated with a
        Gateway is not deleted while in use.

        GatewayClass is a Cluster level resource.

        A GatewayClass name SHOULD be compliant with RFC 1035, consisting of a maximum of 63 lower case alphanumeric
        characters or hyphens ('-'), and MUST start and end with an alphanumeric character.

        :param spec: Spec defines the desired state of GatewayClass.
        :param metadata: 

        :schema: GatewayClass
        '''
        if isinstance(spec, dict):
            spec = GatewayClassSpec(**spec)
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a67987cc0789f6e69d4ac27f5eb611ad3d3944f1f3cbe0e348e29f8aa90ee429)
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "spec": spec,
        }
        if metadata is not None:
            self._values["metadata"] = metadata

    @builtins.property
    def spec(self) -> "GatewayClassSpec":
        '''Spec defines the desired state of GatewayClass.

        :schema: GatewayClass#spec
        '''
        result = self._values.get("spec")
        assert result is not None, "Required property 'spec' is missing"
        return typing.cast("GatewayClassSpec", result)

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: GatewayClass#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayClassProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewayClassSpec",
    jsii_struct_bases=[],
    name_mapping={
        "controller_name": "controllerName",
        "description": "description",
        "parameters_ref": "parametersRef",
    },
)
class GatewayClassSpec:
    def __init__(
        self,
        *,
        controller_name: builtins.str,
        description: typing.Optional[builtins.str] = None,
        parameters_ref: typing.Optional[typing.Union["GatewayClassSpecParametersRef", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Spec defines the desired state of GatewayClass.

        :param controller_name: ControllerName is the name of the controller that is managing Gateways of this class. The value of this field MUST be a domain prefixed path. Example: "example.net/gateway-controller". This field is not mutable and cannot be empty. Support: Core
        :param description: Description helps describe a GatewayClass with more details.
        :param parameters_ref: ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the GatewayClass. This is optional if the controller does not require any additional configuration. ParametersRef can reference a standard Kubernetes resource, i.e. ConfigMap, or an implementation-specific custom resource. The resource can be cluster-scoped or namespace-scoped. If the referent cannot be found, refers to an unsupported kind, or when the data within that resource is malformed, the GatewayClass SHOULD be rejected with the "Accepted" status condition set to "False" and an "InvalidParameters" reason. A Gateway for this GatewayClass may provide its own ``parametersRef``. When both are specified, the merging behavior is implementation specific. It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway. Support: Implementation-specific

        :schema: GatewayClassSpec
        '''
        if isinstance(parameters_ref, dict):
            parameters_ref = GatewayClassSpecParametersRef(**parameters_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__e6e403569a89427ff9b56d5b95755832ca0438b4fb8d996c26882524a523e8be)
            check_type(argname="argument controller_name", value=controller_name, expected_type=type_hints["controller_name"])
            check_type(argname="argument description", value=description, expected_type=type_hints["description"])
            check_type(argname="argument parameters_ref", value=parameters_ref, expected_type=type_hints["parameters_ref"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "controller_name": controller_name,
        }
        if description is not None:
            self._values["description"] = description
        if parameters_ref is not None:
            self._values["parameters_ref"] = parameters_ref

    @builtins.property
    def controller_name(self) -> builtins.str:
        '''ControllerName is the name of the controller that is managing Gateways of this class.

        The value of this field MUST be a domain prefixed path.

        Example: "example.net/gateway-controller".

        This field is not mutable and cannot be empty.

        Support: Core

        :schema: GatewayClassSpec#controllerName
        '''
        result = self._values.get("controller_name")
        assert result is not None, "Required property 'controller_name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def description(self) -> typing.Optional[builtins.str]:
        '''Description helps describe a GatewayClass with more details.

        :schema: GatewayClassSpec#description
        '''
        result = self._values.get("description")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def parameters_ref(self) -> typing.Optional["GatewayClassSpecParametersRef"]:
        '''ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the GatewayClass.

        This is optional if the
        controller does not require any additional configuration.

        ParametersRef can reference a standard Kubernetes resource, i.e. ConfigMap,
        or an implementation-specific custom resource. The resource can be
        cluster-scoped or namespace-scoped.

        If the referent cannot be found, refers to an unsupported kind, or when
        the data within that resource is malformed, the GatewayClass SHOULD be
        rejected with the "Accepted" status condition set to "False" and an
        "InvalidParameters" reason.

        A Gateway for this GatewayClass may provide its own ``parametersRef``. When both are specified,
        the merging behavior is implementation specific.
        It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway.

        Support: Implementation-specific

        :schema: GatewayClassSpec#parametersRef
        '''
        result = self._values.get("parameters_ref")
        return typing.cast(typing.Optional["GatewayClassSpecParametersRef"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayClassSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewayClassSpecParametersRef",
    jsii_struct_bases=[],
    name_mapping={
        "group": "group",
        "kind": "kind",
        "name": "name",
        "namespace": "namespace",
    },
)
class GatewayClassSpecParametersRef:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the GatewayClass.

        This is optional if the
        controller does not require any additional configuration.

        ParametersRef can reference a standard Kubernetes resource, i.e. ConfigMap,
        or an implementation-specific custom resource. The resource can be
        cluster-scoped or namespace-scoped.

        If the referent cannot be found, refers to an unsupported kind, or when
        the data within that resource is malformed, the GatewayClass SHOULD be
        rejected with the "Accepted" status condition set to "False" and an
        "InvalidParameters" reason.

        A Gateway for this GatewayClass may provide its own ``parametersRef``. When both are specified,
        the merging behavior is implementation specific.
        It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway.

        Support: Implementation-specific

        :param group: Group is the group of the referent.
        :param kind: Kind is kind of the referent.
        :param name: Name is the name of the referent.
        :param namespace: Namespace is the namespace of the referent. This field is required when referring to a Namespace-scoped resource and MUST be unset when referring to a Cluster-scoped resource.

        :schema: GatewayClassSpecParametersRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fb825d6e6c8a47b513735bcd7c0dd3a4d84885166cde496f94049075298fa641)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        :schema: GatewayClassSpecParametersRef#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        :schema: GatewayClassSpecParametersRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewayClassSpecParametersRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referent.

        This field is required when referring to a Namespace-scoped resource and
        MUST be unset when referring to a Cluster-scoped resource.

        :schema: GatewayClassSpecParametersRef#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayClassSpecParametersRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewayProps",
    jsii_struct_bases=[],
    name_mapping={"spec": "spec", "metadata": "metadata"},
)
class GatewayProps:
    def __init__(
        self,
        *,
        spec: typing.Union["GatewaySpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Gateway represents an instance of a service-traffic handling infrastructure by binding Listeners to a set of IP addresses.

        A Gateway name SHOULD be compliant with RFC 1035, consisting of a maximum of 63 lower case alphanumeric
        characters or hyphens ('-'), and MUST start and end with an alphanumeric character.

        :param spec: Spec defines the desired state of Gateway.
        :param metadata: 

        :schema: Gateway
        '''
        if isinstance(spec, dict):
            spec = GatewaySpec(**spec)
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__68ff39a41520cfbc09e8a40c697f4c39299f0b6ba29623a484142c4fab4ffceb)
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "spec": spec,
        }
        if metadata is not None:
            self._values["metadata"] = metadata

    @builtins.property
    def spec(self) -> "GatewaySpec":
        '''Spec defines the desired state of Gateway.

        :schema: Gateway#spec
        '''
        result = self._values.get("spec")
        assert result is not None, "Required property 'spec' is missing"
        return typing.cast("GatewaySpec", result)

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: Gateway#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewayProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpec",
    jsii_struct_bases=[],
    name_mapping={
        "gateway_class_name": "gatewayClassName",
        "listeners": "listeners",
        "addresses": "addresses",
        "allowed_listeners": "allowedListeners",
        "infrastructure": "infrastructure",
        "tls": "tls",
    },
)
class GatewaySpec:
    def __init__(
        self,
        *,
        gateway_class_name: builtins.str,
        listeners: typing.Sequence[typing.Union["GatewaySpecListeners", typing.Dict[builtins.str, typing.Any]]],
        addresses: typing.Optional[typing.Sequence[typing.Union["GatewaySpecAddresses", typing.Dict[builtins.str, typing.Any]]]] = None,
        allowed_listeners: typing.Optional[typing.Union["GatewaySpecAllowedListeners", typing.Dict[builtins.str, typing.Any]]] = None,
        infrastructure: typing.Optional[typing.Union["GatewaySpecInfrastructure", typing.Dict[builtins.str, typing.Any]]] = None,
        tls: typing.Optional[typing.Union["GatewaySpecTls", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Spec defines the desired state of Gateway.

        :param gateway_class_name: GatewayClassName used for this Gateway. This is the name of a GatewayClass resource.
        :param listeners: Listeners associated with this Gateway. Listeners define logical endpoints that are bound on this Gateway's addresses. At least one Listener MUST be specified. Distinct Listeners Each Listener in a set of Listeners (for example, in a single Gateway) MUST be *distinct*, in that a traffic flow MUST be able to be assigned to exactly one listener. (This section uses "set of Listeners" rather than "Listeners in a single Gateway" because implementations MAY merge configuration from multiple Gateways onto a single data plane, and these rules *also* apply in that case). Practically, this means that each listener in a set MUST have a unique combination of Port, Protocol, and, if supported by the protocol, Hostname. Some combinations of port, protocol, and TLS settings are considered Core support and MUST be supported by implementations based on the objects they support: HTTPRoute 1. HTTPRoute, Port: 80, Protocol: HTTP 2. HTTPRoute, Port: 443, Protocol: HTTPS, TLS Mode: Terminate, TLS keypair provided TLSRoute 1. TLSRoute, Port: 443, Protocol: TLS, TLS Mode: Passthrough "Distinct" Listeners have the following property: **The implementation can match inbound requests to a single distinct Listener**. When multiple Listeners share values for fields (for example, two Listeners with the same Port value), the implementation can match requests to only one of the Listeners using other Listener fields. When multiple listeners have the same value for the Protocol field, then each of the Listeners with matching Protocol values MUST have different values for other fields. The set of fields that MUST be different for a Listener differs per protocol. The following rules define the rules for what fields MUST be considered for Listeners to be distinct with each protocol currently defined in the Gateway API spec. The set of listeners that all share a protocol value MUST have *different* values for *at least one* of these fields to be distinct: - **HTTP, HTTPS, TLS**: Port, Hostname - **TCP, UDP**: Port One **very** important rule to call out involves what happens when an implementation: - Supports TCP protocol Listeners, as well as HTTP, HTTPS, or TLS protocol Listeners, and - sees HTTP, HTTPS, or TLS protocols with the same ``port`` as one with TCP Protocol. In this case all the Listeners that share a port with the TCP Listener are not distinct and so MUST NOT be accepted. If an implementation does not support TCP Protocol Listeners, then the previous rule does not apply, and the TCP Listeners SHOULD NOT be accepted. Note that the ``tls`` field is not used for determining if a listener is distinct, because Listeners that *only* differ on TLS config will still conflict in all cases. Listeners that are distinct only by Hostname When the Listeners are distinct based only on Hostname, inbound request hostnames MUST match from the most specific to least specific Hostname values to choose the correct Listener and its associated set of Routes. Exact matches MUST be processed before wildcard matches, and wildcard matches MUST be processed before fallback (empty Hostname value) matches. For example, ``"foo.example.com"`` takes precedence over ``"*.example.com"``, and ``"*.example.com"`` takes precedence over ``""``. Additionally, if there are multiple wildcard entries, more specific wildcard entries must be processed before less specific wildcard entries. For example, ``"*.foo.example.com"`` takes precedence over ``"*.example.com"``. The precise definition here is that the higher the number of dots in the hostname to the right of the wildcard character, the higher the precedence. The wildcard character will match any number of characters *and dots* to the left, however, so ``"*.example.com"`` will match both ``"foo.bar.example.com"`` *and* ``"bar.example.com"``. Handling indistinct Listeners If a set of Listeners contains Listeners that are not distinct, then those Listeners are *Conflicted*, and the implementation MUST set the "Conflicted" condition in the Listener Status to "True". The words "indistinct" and "conflicted" are considered equivalent for the purpose of this documentation. Implementations MAY choose to accept a Gateway with some Conflicted Listeners only if they only accept the partial Listener set that contains no Conflicted Listeners. Specifically, an implementation MAY accept a partial Listener set subject to the following rules: - The implementation MUST NOT pick one conflicting Listener as the winner. ALL indistinct Listeners must not be accepted for processing. - At least one distinct Listener MUST be present, or else the Gateway effectively contains *no* Listeners, and must be rejected from processing as a whole. The implementation MUST set a "ListenersNotValid" condition on the Gateway Status when the Gateway contains Conflicted Listeners whether or not they accept the Gateway. That Condition SHOULD clearly indicate in the Message which Listeners are conflicted, and which are Accepted. Additionally, the Listener status for those listeners SHOULD indicate which Listeners are conflicted and not Accepted. General Listener behavior Note that, for all distinct Listeners, requests SHOULD match at most one Listener. For example, if Listeners are defined for "foo.example.com" and "*.example.com", a request to "foo.example.com" SHOULD only be routed using routes attached to the "foo.example.com" Listener (and not the "*.example.com" Listener). If traffic to a Gateway does not match any Listener's hostname (or if the Listener does not specify a hostname and the request does not match any attached Route), the request MUST be rejected. The specific mechanism for rejection depends on the protocol: HTTP returns a 404 status code, while gRPC returns an Unimplemented status code. This concept is known as "Listener Isolation", and it is an Extended feature of Gateway API. Implementations that do not support Listener Isolation MUST clearly document this, and MUST NOT claim support for the ``GatewayHTTPListenerIsolation`` feature. Implementations that *do* support Listener Isolation SHOULD claim support for the Extended ``GatewayHTTPListenerIsolation`` feature and pass the associated conformance tests. Compatible Listeners A Gateway's Listeners are considered *compatible* if: 1. They are distinct. 2. The implementation can serve them in compliance with the Addresses requirement that all Listeners are available on all assigned addresses. Compatible combinations in Extended support are expected to vary across implementations. A combination that is compatible for one implementation may not be compatible for another. For example, an implementation that cannot serve both TCP and UDP listeners on the same address, or cannot mix HTTPS and generic TLS listens on the same port would not consider those cases compatible, even though they are distinct. Implementations MAY merge separate Gateways onto a single set of Addresses if all Listeners across all Gateways are compatible. In a future release the MinItems=1 requirement MAY be dropped. Support: Core
        :param addresses: Addresses requested for this Gateway. This is optional and behavior can depend on the implementation. If a value is set in the spec and the requested address is invalid or unavailable, the implementation MUST indicate this in an associated entry in GatewayStatus.Conditions. The Addresses field represents a request for the address(es) on the "outside of the Gateway", that traffic bound for this Gateway will use. This could be the IP address or hostname of an external load balancer or other networking infrastructure, or some other address that traffic will be sent to. If no Addresses are specified, the implementation MAY schedule the Gateway in an implementation-specific manner, assigning an appropriate set of Addresses. The implementation MUST bind all Listeners to every GatewayAddress that it assigns to the Gateway and add a corresponding entry in GatewayStatus.Addresses. Support: Extended
        :param allowed_listeners: AllowedListeners defines which ListenerSets can be attached to this Gateway. The default value is to allow no ListenerSets.
        :param infrastructure: Infrastructure defines infrastructure level attributes about this Gateway instance. Support: Extended
        :param tls: TLS specifies frontend and backend tls configuration for entire gateway. Support: Extended

        :schema: GatewaySpec
        '''
        if isinstance(allowed_listeners, dict):
            allowed_listeners = GatewaySpecAllowedListeners(**allowed_listeners)
        if isinstance(infrastructure, dict):
            infrastructure = GatewaySpecInfrastructure(**infrastructure)
        if isinstance(tls, dict):
            tls = GatewaySpecTls(**tls)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c46a4037929c0780bbc611db172de1e56e3cdefa4bdb57ea9298cff19a423a5e)
            check_type(argname="argument gateway_class_name", value=gateway_class_name, expected_type=type_hints["gateway_class_name"])
            check_type(argname="argument listeners", value=listeners, expected_type=type_hints["listeners"])
            check_type(argname="argument addresses", value=addresses, expected_type=type_hints["addresses"])
            check_type(argname="argument allowed_listeners", value=allowed_listeners, expected_type=type_hints["allowed_listeners"])
            check_type(argname="argument infrastructure", value=infrastructure, expected_type=type_hints["infrastructure"])
            check_type(argname="argument tls", value=tls, expected_type=type_hints["tls"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "gateway_class_name": gateway_class_name,
            "listeners": listeners,
        }
        if addresses is not None:
            self._values["addresses"] = addresses
        if allowed_listeners is not None:
            self._values["allowed_listeners"] = allowed_listeners
        if infrastructure is not None:
            self._values["infrastructure"] = infrastructure
        if tls is not None:
            self._values["tls"] = tls

    @builtins.property
    def gateway_class_name(self) -> builtins.str:
        '''GatewayClassName used for this Gateway.

        This is the name of a
        GatewayClass resource.

        :schema: GatewaySpec#gatewayClassName
        '''
        result = self._values.get("gateway_class_name")
        assert result is not None, "Required property 'gateway_class_name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def listeners(self) -> typing.List["GatewaySpecListeners"]:
        '''Listeners associated with this Gateway.

        Listeners define
        logical endpoints that are bound on this Gateway's addresses.
        At least one Listener MUST be specified.


        Distinct Listeners

        Each Listener in a set of Listeners (for example, in a single Gateway)
        MUST be *distinct*, in that a traffic flow MUST be able to be assigned to
        exactly one listener. (This section uses "set of Listeners" rather than
        "Listeners in a single Gateway" because implementations MAY merge configuration
        from multiple Gateways onto a single data plane, and these rules *also*
        apply in that case).

        Practically, this means that each listener in a set MUST have a unique
        combination of Port, Protocol, and, if supported by the protocol, Hostname.

        Some combinations of port, protocol, and TLS settings are considered
        Core support and MUST be supported by implementations based on the objects
        they support:

        HTTPRoute

        1. HTTPRoute, Port: 80, Protocol: HTTP
        2. HTTPRoute, Port: 443, Protocol: HTTPS, TLS Mode: Terminate, TLS keypair provided

        TLSRoute

        1. TLSRoute, Port: 443, Protocol: TLS, TLS Mode: Passthrough

        "Distinct" Listeners have the following property:

        **The implementation can match inbound requests to a single distinct
        Listener**.

        When multiple Listeners share values for fields (for
        example, two Listeners with the same Port value), the implementation
        can match requests to only one of the Listeners using other
        Listener fields.

        When multiple listeners have the same value for the Protocol field, then
        each of the Listeners with matching Protocol values MUST have different
        values for other fields.

        The set of fields that MUST be different for a Listener differs per protocol.
        The following rules define the rules for what fields MUST be considered for
        Listeners to be distinct with each protocol currently defined in the
        Gateway API spec.

        The set of listeners that all share a protocol value MUST have *different*
        values for *at least one* of these fields to be distinct:

        - **HTTP, HTTPS, TLS**: Port, Hostname
        - **TCP, UDP**: Port

        One **very** important rule to call out involves what happens when an
        implementation:

        - Supports TCP protocol Listeners, as well as HTTP, HTTPS, or TLS protocol
          Listeners, and
        - sees HTTP, HTTPS, or TLS protocols with the same ``port`` as one with TCP
          Protocol.

        In this case all the Listeners that share a port with the
        TCP Listener are not distinct and so MUST NOT be accepted.

        If an implementation does not support TCP Protocol Listeners, then the
        previous rule does not apply, and the TCP Listeners SHOULD NOT be
        accepted.

        Note that the ``tls`` field is not used for determining if a listener is distinct, because
        Listeners that *only* differ on TLS config will still conflict in all cases.


        Listeners that are distinct only by Hostname

        When the Listeners are distinct based only on Hostname, inbound request
        hostnames MUST match from the most specific to least specific Hostname
        values to choose the correct Listener and its associated set of Routes.

        Exact matches MUST be processed before wildcard matches, and wildcard
        matches MUST be processed before fallback (empty Hostname value)
        matches. For example, ``"foo.example.com"`` takes precedence over
        ``"*.example.com"``, and ``"*.example.com"`` takes precedence over ``""``.

        Additionally, if there are multiple wildcard entries, more specific
        wildcard entries must be processed before less specific wildcard entries.
        For example, ``"*.foo.example.com"`` takes precedence over ``"*.example.com"``.

        The precise definition here is that the higher the number of dots in the
        hostname to the right of the wildcard character, the higher the precedence.

        The wildcard character will match any number of characters *and dots* to
        the left, however, so ``"*.example.com"`` will match both
        ``"foo.bar.example.com"`` *and* ``"bar.example.com"``.


        Handling indistinct Listeners

        If a set of Listeners contains Listeners that are not distinct, then those
        Listeners are *Conflicted*, and the implementation MUST set the "Conflicted"
        condition in the Listener Status to "True".

        The words "indistinct" and "conflicted" are considered equivalent for the
        purpose of this documentation.

        Implementations MAY choose to accept a Gateway with some Conflicted
        Listeners only if they only accept the partial Listener set that contains
        no Conflicted Listeners.

        Specifically, an implementation MAY accept a partial Listener set subject to
        the following rules:

        - The implementation MUST NOT pick one conflicting Listener as the winner.
          ALL indistinct Listeners must not be accepted for processing.
        - At least one distinct Listener MUST be present, or else the Gateway effectively
          contains *no* Listeners, and must be rejected from processing as a whole.

        The implementation MUST set a "ListenersNotValid" condition on the
        Gateway Status when the Gateway contains Conflicted Listeners whether or
        not they accept the Gateway. That Condition SHOULD clearly
        indicate in the Message which Listeners are conflicted, and which are
        Accepted. Additionally, the Listener status for those listeners SHOULD
        indicate which Listeners are conflicted and not Accepted.


        General Listener behavior

        Note that, for all distinct Listeners, requests SHOULD match at most one Listener.
        For example, if Listeners are defined for "foo.example.com" and "*.example.com", a
        request to "foo.example.com" SHOULD only be routed using routes attached
        to the "foo.example.com" Listener (and not the "*.example.com" Listener).

        If traffic to a Gateway does not match any Listener's hostname (or if
        the Listener does not specify a hostname and the request does not match
        any attached Route), the request MUST be rejected. The specific mechanism
        for rejection depends on the protocol: HTTP returns a 404 status code,
        while gRPC returns an Unimplemented status code.

        This concept is known as "Listener Isolation", and it is an Extended feature
        of Gateway API. Implementations that do not support Listener Isolation MUST
        clearly document this, and MUST NOT claim support for the
        ``GatewayHTTPListenerIsolation`` feature.

        Implementations that *do* support Listener Isolation SHOULD claim support
        for the Extended ``GatewayHTTPListenerIsolation`` feature and pass the associated
        conformance tests.


        Compatible Listeners

        A Gateway's Listeners are considered *compatible* if:

        1. They are distinct.
        2. The implementation can serve them in compliance with the Addresses
           requirement that all Listeners are available on all assigned
           addresses.

        Compatible combinations in Extended support are expected to vary across
        implementations. A combination that is compatible for one implementation
        may not be compatible for another.

        For example, an implementation that cannot serve both TCP and UDP listeners
        on the same address, or cannot mix HTTPS and generic TLS listens on the same port
        would not consider those cases compatible, even though they are distinct.

        Implementations MAY merge separate Gateways onto a single set of
        Addresses if all Listeners across all Gateways are compatible.

        In a future release the MinItems=1 requirement MAY be dropped.

        Support: Core

        :schema: GatewaySpec#listeners
        '''
        result = self._values.get("listeners")
        assert result is not None, "Required property 'listeners' is missing"
        return typing.cast(typing.List["GatewaySpecListeners"], result)

    @builtins.property
    def addresses(self) -> typing.Optional[typing.List["GatewaySpecAddresses"]]:
        '''Addresses requested for this Gateway.

        This is optional and behavior can
        depend on the implementation. If a value is set in the spec and the
        requested address is invalid or unavailable, the implementation MUST
        indicate this in an associated entry in GatewayStatus.Conditions.

        The Addresses field represents a request for the address(es) on the
        "outside of the Gateway", that traffic bound for this Gateway will use.
        This could be the IP address or hostname of an external load balancer or
        other networking infrastructure, or some other address that traffic will
        be sent to.

        If no Addresses are specified, the implementation MAY schedule the
        Gateway in an implementation-specific manner, assigning an appropriate
        set of Addresses.

        The implementation MUST bind all Listeners to every GatewayAddress that
        it assigns to the Gateway and add a corresponding entry in
        GatewayStatus.Addresses.

        Support: Extended

        :schema: GatewaySpec#addresses
        '''
        result = self._values.get("addresses")
        return typing.cast(typing.Optional[typing.List["GatewaySpecAddresses"]], result)

    @builtins.property
    def allowed_listeners(self) -> typing.Optional["GatewaySpecAllowedListeners"]:
        '''AllowedListeners defines which ListenerSets can be attached to this Gateway.

        The default value is to allow no ListenerSets.

        :schema: GatewaySpec#allowedListeners
        '''
        result = self._values.get("allowed_listeners")
        return typing.cast(typing.Optional["GatewaySpecAllowedListeners"], result)

    @builtins.property
    def infrastructure(self) -> typing.Optional["GatewaySpecInfrastructure"]:
        '''Infrastructure defines infrastructure level attributes about this Gateway instance.

        Support: Extended

        :schema: GatewaySpec#infrastructure
        '''
        result = self._values.get("infrastructure")
        return typing.cast(typing.Optional["GatewaySpecInfrastructure"], result)

    @builtins.property
    def tls(self) -> typing.Optional["GatewaySpecTls"]:
        '''TLS specifies frontend and backend tls configuration for entire gateway.

        Support: Extended

        :schema: GatewaySpec#tls
        '''
        result = self._values.get("tls")
        return typing.cast(typing.Optional["GatewaySpecTls"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecAddresses",
    jsii_struct_bases=[],
    name_mapping={"type": "type", "value": "value"},
)
class GatewaySpecAddresses:
    def __init__(
        self,
        *,
        type: typing.Optional[builtins.str] = None,
        value: typing.Optional[builtins.str] = None,
    ) -> None:
        '''GatewaySpecAddress describes an address that can be bound to a Gateway.

        :param type: Type of the address.
        :param value: When a value is unspecified, an implementation SHOULD automatically assign an address matching the requested type if possible. If an implementation does not support an empty value, they MUST set the "Programmed" condition in status to False with a reason of "AddressNotAssigned". Examples: ``1.2.3.4``, ``128::1``, ``my-ip-address``.

        :schema: GatewaySpecAddresses
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__8f275a6bf24c8a4fed5442c00181fdb061ab84b6daac136d26f49fd21a2b713a)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if type is not None:
            self._values["type"] = type
        if value is not None:
            self._values["value"] = value

    @builtins.property
    def type(self) -> typing.Optional[builtins.str]:
        '''Type of the address.

        :schema: GatewaySpecAddresses#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def value(self) -> typing.Optional[builtins.str]:
        '''When a value is unspecified, an implementation SHOULD automatically assign an address matching the requested type if possible.

        If an implementation does not support an empty value, they MUST set the
        "Programmed" condition in status to False with a reason of "AddressNotAssigned".

        Examples: ``1.2.3.4``, ``128::1``, ``my-ip-address``.

        :schema: GatewaySpecAddresses#value
        '''
        result = self._values.get("value")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecAddresses(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecAllowedListeners",
    jsii_struct_bases=[],
    name_mapping={"namespaces": "namespaces"},
)
class GatewaySpecAllowedListeners:
    def __init__(
        self,
        *,
        namespaces: typing.Optional[typing.Union["GatewaySpecAllowedListenersNamespaces", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''AllowedListeners defines which ListenerSets can be attached to this Gateway.

        The default value is to allow no ListenerSets.

        :param namespaces: Namespaces defines which namespaces ListenerSets can be attached to this Gateway. The default value is to allow no ListenerSets.

        :schema: GatewaySpecAllowedListeners
        '''
        if isinstance(namespaces, dict):
            namespaces = GatewaySpecAllowedListenersNamespaces(**namespaces)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__9d79aad15b0b1026e9dc6add44b767282cfd042f323228ece51ffd5debff588e)
            check_type(argname="argument namespaces", value=namespaces, expected_type=type_hints["namespaces"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if namespaces is not None:
            self._values["namespaces"] = namespaces

    @builtins.property
    def namespaces(self) -> typing.Optional["GatewaySpecAllowedListenersNamespaces"]:
        '''Namespaces defines which namespaces ListenerSets can be attached to this Gateway.

        The default value is to allow no ListenerSets.

        :schema: GatewaySpecAllowedListeners#namespaces
        '''
        result = self._values.get("namespaces")
        return typing.cast(typing.Optional["GatewaySpecAllowedListenersNamespaces"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecAllowedListeners(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecAllowedListenersNamespaces",
    jsii_struct_bases=[],
    name_mapping={"from_": "from", "selector": "selector"},
)
class GatewaySpecAllowedListenersNamespaces:
    def __init__(
        self,
        *,
        from_: typing.Optional["GatewaySpecAllowedListenersNamespacesFrom"] = None,
        selector: typing.Optional[typing.Union["GatewaySpecAllowedListenersNamespacesSelector", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Namespaces defines which namespaces ListenerSets can be attached to this Gateway.

        The default value is to allow no ListenerSets.

        :param from_: From indicates where ListenerSets can attach to this Gateway. Possible values are:. - Same: Only ListenerSets in the same namespace may be attached to this Gateway. - Selector: ListenerSets in namespaces selected by the selector may be attached to this Gateway. - All: ListenerSets in all namespaces may be attached to this Gateway. - None: Only listeners defined in the Gateway's spec are allowed The default value None
        :param selector: Selector must be specified when From is set to "Selector". In that case, only ListenerSets in Namespaces matching this Selector will be selected by this Gateway. This field is ignored for other values of "From".

        :schema: GatewaySpecAllowedListenersNamespaces
        '''
        if isinstance(selector, dict):
            selector = GatewaySpecAllowedListenersNamespacesSelector(**selector)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5e17ea59ac96667edb602e11ea3169653e015ff5cfcc1acdecd188fa5c2e0755)
            check_type(argname="argument from_", value=from_, expected_type=type_hints["from_"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if from_ is not None:
            self._values["from_"] = from_
        if selector is not None:
            self._values["selector"] = selector

    @builtins.property
    def from_(self) -> typing.Optional["GatewaySpecAllowedListenersNamespacesFrom"]:
        '''From indicates where ListenerSets can attach to this Gateway. Possible values are:.

        - Same: Only ListenerSets in the same namespace may be attached to this Gateway.
        - Selector: ListenerSets in namespaces selected by the selector may be attached to this Gateway.
        - All: ListenerSets in all namespaces may be attached to this Gateway.
        - None: Only listeners defined in the Gateway's spec are allowed

        The default value None

        :schema: GatewaySpecAllowedListenersNamespaces#from
        '''
        result = self._values.get("from_")
        return typing.cast(typing.Optional["GatewaySpecAllowedListenersNamespacesFrom"], result)

    @builtins.property
    def selector(
        self,
    ) -> typing.Optional["GatewaySpecAllowedListenersNamespacesSelector"]:
        '''Selector must be specified when From is set to "Selector".

        In that case,
        only ListenerSets in Namespaces matching this Selector will be selected by this
        Gateway. This field is ignored for other values of "From".

        :schema: GatewaySpecAllowedListenersNamespaces#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["GatewaySpecAllowedListenersNamespacesSelector"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecAllowedListenersNamespaces(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.GatewaySpecAllowedListenersNamespacesFrom"
)
class GatewaySpecAllowedListenersNamespacesFrom(enum.Enum):
    '''From indicates where ListenerSets can attach to this Gateway. Possible values are:.

    - Same: Only ListenerSets in the same namespace may be attached to this Gateway.
    - Selector: ListenerSets in namespaces selected by the selector may be attached to this Gateway.
    - All: ListenerSets in all namespaces may be attached to this Gateway.
    - None: Only listeners defined in the Gateway's spec are allowed

    The default value None

    :schema: GatewaySpecAllowedListenersNamespacesFrom
    '''

    ALL = "ALL"
    '''All.'''
    SELECTOR = "SELECTOR"
    '''Selector.'''
    SAME = "SAME"
    '''Same.'''
    NONE = "NONE"
    '''None.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecAllowedListenersNamespacesSelector",
    jsii_struct_bases=[],
    name_mapping={
        "match_expressions": "matchExpressions",
        "match_labels": "matchLabels",
    },
)
class GatewaySpecAllowedListenersNamespacesSelector:
    def __init__(
        self,
        *,
        match_expressions: typing.Optional[typing.Sequence[typing.Union["GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions", typing.Dict[builtins.str, typing.Any]]]] = None,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''Selector must be specified when From is set to "Selector".

        In that case,
        only ListenerSets in Namespaces matching this Selector will be selected by this
        Gateway. This field is ignored for other values of "From".

        :param match_expressions: matchExpressions is a list of label selector requirements. The requirements are ANDed.
        :param match_labels: matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is "key", the operator is "In", and the values array contains only "value". The requirements are ANDed.

        :schema: GatewaySpecAllowedListenersNamespacesSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__90af28961e425015f82cefe15d975ab37c514b390daea862f6cd5de2fbf1a4fb)
            check_type(argname="argument match_expressions", value=match_expressions, expected_type=type_hints["match_expressions"])
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_expressions is not None:
            self._values["match_expressions"] = match_expressions
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_expressions(
        self,
    ) -> typing.Optional[typing.List["GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions"]]:
        '''matchExpressions is a list of label selector requirements.

        The requirements are ANDed.

        :schema: GatewaySpecAllowedListenersNamespacesSelector#matchExpressions
        '''
        result = self._values.get("match_expressions")
        return typing.cast(typing.Optional[typing.List["GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions"]], result)

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''matchLabels is a map of {key,value} pairs.

        A single {key,value} in the matchLabels
        map is equivalent to an element of matchExpressions, whose key field is "key", the
        operator is "In", and the values array contains only "value". The requirements are ANDed.

        :schema: GatewaySpecAllowedListenersNamespacesSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecAllowedListenersNamespacesSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "operator": "operator", "values": "values"},
)
class GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions:
    def __init__(
        self,
        *,
        key: builtins.str,
        operator: builtins.str,
        values: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.

        :param key: key is the label key that the selector applies to.
        :param operator: operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.
        :param values: values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch.

        :schema: GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__47c66fed71804a653ef9e11fced95a1c7902c835287e196e128bbefcf630d6da)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument operator", value=operator, expected_type=type_hints["operator"])
            check_type(argname="argument values", value=values, expected_type=type_hints["values"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
            "operator": operator,
        }
        if values is not None:
            self._values["values"] = values

    @builtins.property
    def key(self) -> builtins.str:
        '''key is the label key that the selector applies to.

        :schema: GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def operator(self) -> builtins.str:
        '''operator represents a key's relationship to a set of values.

        Valid operators are In, NotIn, Exists and DoesNotExist.

        :schema: GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions#operator
        '''
        result = self._values.get("operator")
        assert result is not None, "Required property 'operator' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''values is an array of string values.

        If the operator is In or NotIn,
        the values array must be non-empty. If the operator is Exists or DoesNotExist,
        the values array must be empty. This array is replaced during a strategic
        merge patch.

        :schema: GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions#values
        '''
        result = self._values.get("values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecInfrastructure",
    jsii_struct_bases=[],
    name_mapping={
        "annotations": "annotations",
        "labels": "labels",
        "parameters_ref": "parametersRef",
    },
)
class GatewaySpecInfrastructure:
    def __init__(
        self,
        *,
        annotations: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
        labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
        parameters_ref: typing.Optional[typing.Union["GatewaySpecInfrastructureParametersRef", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Infrastructure defines infrastructure level attributes about this Gateway instance.

        Support: Extended

        :param annotations: Annotations that SHOULD be applied to any resources created in response to this Gateway. For implementations creating other Kubernetes objects, this should be the ``metadata.annotations`` field on resources. For other implementations, this refers to any relevant (implementation specific) "annotations" concepts. An implementation may chose to add additional implementation-specific annotations as they see fit. Support: Extended
        :param labels: Labels that SHOULD be applied to any resources created in response to this Gateway. For implementations creating other Kubernetes objects, this should be the ``metadata.labels`` field on resources. For other implementations, this refers to any relevant (implementation specific) "labels" concepts. An implementation may chose to add additional implementation-specific labels as they see fit. If an implementation maps these labels to Pods, or any other resource that would need to be recreated when labels change, it SHOULD clearly warn about this behavior in documentation. Support: Extended
        :param parameters_ref: ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the Gateway. This is optional if the controller does not require any additional configuration. This follows the same semantics as GatewayClass's ``parametersRef``, but on a per-Gateway basis The Gateway's GatewayClass may provide its own ``parametersRef``. When both are specified, the merging behavior is implementation specific. It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway. If the referent cannot be found, refers to an unsupported kind, or when the data within that resource is malformed, the Gateway SHOULD be rejected with the "Accepted" status condition set to "False" and an "InvalidParameters" reason. Support: Implementation-specific

        :schema: GatewaySpecInfrastructure
        '''
        if isinstance(parameters_ref, dict):
            parameters_ref = GatewaySpecInfrastructureParametersRef(**parameters_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2e61b9a8e6c55d681c676eee5d681d748583ff3cd3ab368360302185aa603704)
            check_type(argname="argument annotations", value=annotations, expected_type=type_hints["annotations"])
            check_type(argname="argument labels", value=labels, expected_type=type_hints["labels"])
            check_type(argname="argument parameters_ref", value=parameters_ref, expected_type=type_hints["parameters_ref"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if annotations is not None:
            self._values["annotations"] = annotations
        if labels is not None:
            self._values["labels"] = labels
        if parameters_ref is not None:
            self._values["parameters_ref"] = parameters_ref

    @builtins.property
    def annotations(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''Annotations that SHOULD be applied to any resources created in response to this Gateway.

        For implementations creating other Kubernetes objects, this should be the ``metadata.annotations`` field on resources.
        For other implementations, this refers to any relevant (implementation specific) "annotations" concepts.

        An implementation may chose to add additional implementation-specific annotations as they see fit.

        Support: Extended

        :schema: GatewaySpecInfrastructure#annotations
        '''
        result = self._values.get("annotations")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    @builtins.property
    def labels(self) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''Labels that SHOULD be applied to any resources created in response to this Gateway.

        For implementations creating other Kubernetes objects, this should be the ``metadata.labels`` field on resources.
        For other implementations, this refers to any relevant (implementation specific) "labels" concepts.

        An implementation may chose to add additional implementation-specific labels as they see fit.

        If an implementation maps these labels to Pods, or any other resource that would need to be recreated when labels
        change, it SHOULD clearly warn about this behavior in documentation.

        Support: Extended

        :schema: GatewaySpecInfrastructure#labels
        '''
        result = self._values.get("labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    @builtins.property
    def parameters_ref(
        self,
    ) -> typing.Optional["GatewaySpecInfrastructureParametersRef"]:
        '''ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the Gateway.

        This is optional if the
        controller does not require any additional configuration.

        This follows the same semantics as GatewayClass's ``parametersRef``, but on a per-Gateway basis

        The Gateway's GatewayClass may provide its own ``parametersRef``. When both are specified,
        the merging behavior is implementation specific.
        It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway.

        If the referent cannot be found, refers to an unsupported kind, or when
        the data within that resource is malformed, the Gateway SHOULD be
        rejected with the "Accepted" status condition set to "False" and an
        "InvalidParameters" reason.

        Support: Implementation-specific

        :schema: GatewaySpecInfrastructure#parametersRef
        '''
        result = self._values.get("parameters_ref")
        return typing.cast(typing.Optional["GatewaySpecInfrastructureParametersRef"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecInfrastructure(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecInfrastructureParametersRef",
    jsii_struct_bases=[],
    name_mapping={"group": "group", "kind": "kind", "name": "name"},
)
class GatewaySpecInfrastructureParametersRef:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
    ) -> None:
        '''ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the Gateway.

        This is optional if the
        controller does not require any additional configuration.

        This follows the same semantics as GatewayClass's ``parametersRef``, but on a per-Gateway basis

        The Gateway's GatewayClass may provide its own ``parametersRef``. When both are specified,
        the merging behavior is implementation specific.
        It is generally recommended that GatewayClass provides defaults that can be overridden by a Gateway.

        If the referent cannot be found, refers to an unsupported kind, or when
        the data within that resource is malformed, the Gateway SHOULD be
        rejected with the "Accepted" status condition set to "False" and an
        "InvalidParameters" reason.

        Support: Implementation-specific

        :param group: Group is the group of the referent.
        :param kind: Kind is kind of the referent.
        :param name: Name is the name of the referent.

        :schema: GatewaySpecInfrastructureParametersRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__83a5e518ce572b7ab61043bdce56d3109d3aea33e4bb0668941eabf13023875a)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        :schema: GatewaySpecInfrastructureParametersRef#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        :schema: GatewaySpecInfrastructureParametersRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewaySpecInfrastructureParametersRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecInfrastructureParametersRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListeners",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "port": "port",
        "protocol": "protocol",
        "allowed_routes": "allowedRoutes",
        "hostname": "hostname",
        "tls": "tls",
    },
)
class GatewaySpecListeners:
    def __init__(
        self,
        *,
        name: builtins.str,
        port: jsii.Number,
        protocol: builtins.str,
        allowed_routes: typing.Optional[typing.Union["GatewaySpecListenersAllowedRoutes", typing.Dict[builtins.str, typing.Any]]] = None,
        hostname: typing.Optional[builtins.str] = None,
        tls: typing.Optional[typing.Union["GatewaySpecListenersTls", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Listener embodies the concept of a logical endpoint where a Gateway accepts network connections.

        :param name: Name is the name of the Listener. This name MUST be unique within a Gateway. Support: Core
        :param port: Port is the network port. Multiple listeners may use the same port, subject to the Listener compatibility rules. Support: Core
        :param protocol: Protocol specifies the network protocol this listener expects to receive. Support: Core
        :param allowed_routes: AllowedRoutes defines the types of routes that MAY be attached to a Listener and the trusted namespaces where those Route resources MAY be present. Although a client request may match multiple route rules, only one rule may ultimately receive the request. Matching precedence MUST be determined in order of the following criteria: - The most specific match as defined by the Route type. - The oldest Route based on creation timestamp. For example, a Route with a creation timestamp of "2020-09-08 01:02:03" is given precedence over a Route with a creation timestamp of "2020-09-08 01:02:04". - If everything else is equivalent, the Route appearing first in alphabetical order (namespace/name) should be given precedence. For example, foo/bar is given precedence over foo/baz. All valid rules within a Route attached to this Listener should be implemented. Invalid Route rules can be ignored (sometimes that will mean the full Route). If a Route rule transitions from valid to invalid, support for that Route rule should be dropped to ensure consistency. For example, even if a filter specified by a Route rule is invalid, the rest of the rules within that Route should still be supported. Support: Core
        :param hostname: Hostname specifies the virtual hostname to match for protocol types that define this concept. When unspecified, all hostnames are matched. This field is ignored for protocols that don't require hostname based matching. Implementations MUST apply Hostname matching appropriately for each of the following protocols: - TLS: The Listener Hostname MUST match the SNI. - HTTP: The Listener Hostname MUST match the Host header of the request. - HTTPS: The Listener Hostname SHOULD match both the SNI and Host header. Note that this does not require the SNI and Host header to be the same. The semantics of this are described in more detail below. To ensure security, Section 11.1 of RFC-6066 emphasizes that server implementations that rely on SNI hostname matching MUST also verify hostnames within the application protocol. Section 9.1.2 of RFC-7540 provides a mechanism for servers to reject the reuse of a connection by responding with the HTTP 421 Misdirected Request status code. This indicates that the origin server has rejected the request because it appears to have been misdirected. To detect misdirected requests, Gateways SHOULD match the authority of the requests with all the SNI hostname(s) configured across all the Gateway Listeners on the same port and protocol: - If another Listener has an exact match or more specific wildcard entry, the Gateway SHOULD return a 421. - If the current Listener (selected by SNI matching during ClientHello) does not match the Host: - If another Listener does match the Host, the Gateway SHOULD return a 421. - If no other Listener matches the Host, the Gateway MUST return a 404. For HTTPRoute and TLSRoute resources, there is an interaction with the ``spec.hostnames`` array. When both listener and route specify hostnames, there MUST be an intersection between the values for a Route to be accepted. For more information, refer to the Route specific Hostnames documentation. Hostnames that are prefixed with a wildcard label (``*.``) are interpreted as a suffix match. That means that a match for ``*.example.com`` would match both ``test.example.com``, and ``foo.test.example.com``, but not ``example.com``. Support: Core
        :param tls: TLS is the TLS configuration for the Listener. This field is required if the Protocol field is "HTTPS" or "TLS". It is invalid to set this field if the Protocol field is "HTTP", "TCP", or "UDP". The association of SNIs to Certificate defined in ListenerTLSConfig is defined based on the Hostname field for this listener. The GatewayClass MUST use the longest matching SNI out of all available certificates for any TLS handshake. Support: Core

        :schema: GatewaySpecListeners
        '''
        if isinstance(allowed_routes, dict):
            allowed_routes = GatewaySpecListenersAllowedRoutes(**allowed_routes)
        if isinstance(tls, dict):
            tls = GatewaySpecListenersTls(**tls)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__79f57af45c000f3b0113b5ceb798cfae33297c7e6d199853aba563e893a17469)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument protocol", value=protocol, expected_type=type_hints["protocol"])
            check_type(argname="argument allowed_routes", value=allowed_routes, expected_type=type_hints["allowed_routes"])
            check_type(argname="argument hostname", value=hostname, expected_type=type_hints["hostname"])
            check_type(argname="argument tls", value=tls, expected_type=type_hints["tls"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
            "port": port,
            "protocol": protocol,
        }
        if allowed_routes is not None:
            self._values["allowed_routes"] = allowed_routes
        if hostname is not None:
            self._values["hostname"] = hostname
        if tls is not None:
            self._values["tls"] = tls

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the Listener. This name MUST be unique within a Gateway.

        Support: Core

        :schema: GatewaySpecListeners#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def port(self) -> jsii.Number:
        '''Port is the network port. Multiple listeners may use the same port, subject to the Listener compatibility rules.

        Support: Core

        :schema: GatewaySpecListeners#port
        '''
        result = self._values.get("port")
        assert result is not None, "Required property 'port' is missing"
        return typing.cast(jsii.Number, result)

    @builtins.property
    def protocol(self) -> builtins.str:
        '''Protocol specifies the network protocol this listener expects to receive.

        Support: Core

        :schema: GatewaySpecListeners#protocol
        '''
        result = self._values.get("protocol")
        assert result is not None, "Required property 'protocol' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def allowed_routes(self) -> typing.Optional["GatewaySpecListenersAllowedRoutes"]:
        '''AllowedRoutes defines the types of routes that MAY be attached to a Listener and the trusted namespaces where those Route resources MAY be present.

        Although a client request may match multiple route rules, only one rule
        may ultimately receive the request. Matching precedence MUST be
        determined in order of the following criteria:

        - The most specific match as defined by the Route type.
        - The oldest Route based on creation timestamp. For example, a Route with
          a creation timestamp of "2020-09-08 01:02:03" is given precedence over
          a Route with a creation timestamp of "2020-09-08 01:02:04".
        - If everything else is equivalent, the Route appearing first in
          alphabetical order (namespace/name) should be given precedence. For
          example, foo/bar is given precedence over foo/baz.

        All valid rules within a Route attached to this Listener should be
        implemented. Invalid Route rules can be ignored (sometimes that will mean
        the full Route). If a Route rule transitions from valid to invalid,
        support for that Route rule should be dropped to ensure consistency. For
        example, even if a filter specified by a Route rule is invalid, the rest
        of the rules within that Route should still be supported.

        Support: Core

        :schema: GatewaySpecListeners#allowedRoutes
        '''
        result = self._values.get("allowed_routes")
        return typing.cast(typing.Optional["GatewaySpecListenersAllowedRoutes"], result)

    @builtins.property
    def hostname(self) -> typing.Optional[builtins.str]:
        '''Hostname specifies the virtual hostname to match for protocol types that define this concept.

        When unspecified, all hostnames are matched. This
        field is ignored for protocols that don't require hostname based
        matching.

        Implementations MUST apply Hostname matching appropriately for each of
        the following protocols:

        - TLS: The Listener Hostname MUST match the SNI.
        - HTTP: The Listener Hostname MUST match the Host header of the request.
        - HTTPS: The Listener Hostname SHOULD match both the SNI and Host header.
          Note that this does not require the SNI and Host header to be the same.
          The semantics of this are described in more detail below.

        To ensure security, Section 11.1 of RFC-6066 emphasizes that server
        implementations that rely on SNI hostname matching MUST also verify
        hostnames within the application protocol.

        Section 9.1.2 of RFC-7540 provides a mechanism for servers to reject the
        reuse of a connection by responding with the HTTP 421 Misdirected Request
        status code. This indicates that the origin server has rejected the
        request because it appears to have been misdirected.

        To detect misdirected requests, Gateways SHOULD match the authority of
        the requests with all the SNI hostname(s) configured across all the
        Gateway Listeners on the same port and protocol:

        - If another Listener has an exact match or more specific wildcard entry,
          the Gateway SHOULD return a 421.
        - If the current Listener (selected by SNI matching during ClientHello)
          does not match the Host:
        - If another Listener does match the Host, the Gateway SHOULD return a

        1.

        - If no other Listener matches the Host, the Gateway MUST return a

        1.

        For HTTPRoute and TLSRoute resources, there is an interaction with the
        ``spec.hostnames`` array. When both listener and route specify hostnames,
        there MUST be an intersection between the values for a Route to be
        accepted. For more information, refer to the Route specific Hostnames
        documentation.

        Hostnames that are prefixed with a wildcard label (``*.``) are interpreted
        as a suffix match. That means that a match for ``*.example.com`` would match
        both ``test.example.com``, and ``foo.test.example.com``, but not ``example.com``.

        Support: Core

        :schema: GatewaySpecListeners#hostname
        '''
        result = self._values.get("hostname")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def tls(self) -> typing.Optional["GatewaySpecListenersTls"]:
        '''TLS is the TLS configuration for the Listener.

        This field is required if
        the Protocol field is "HTTPS" or "TLS". It is invalid to set this field
        if the Protocol field is "HTTP", "TCP", or "UDP".

        The association of SNIs to Certificate defined in ListenerTLSConfig is
        defined based on the Hostname field for this listener.

        The GatewayClass MUST use the longest matching SNI out of all
        available certificates for any TLS handshake.

        Support: Core

        :schema: GatewaySpecListeners#tls
        '''
        result = self._values.get("tls")
        return typing.cast(typing.Optional["GatewaySpecListenersTls"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListeners(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutes",
    jsii_struct_bases=[],
    name_mapping={"kinds": "kinds", "namespaces": "namespaces"},
)
class GatewaySpecListenersAllowedRoutes:
    def __init__(
        self,
        *,
        kinds: typing.Optional[typing.Sequence[typing.Union["GatewaySpecListenersAllowedRoutesKinds", typing.Dict[builtins.str, typing.Any]]]] = None,
        namespaces: typing.Optional[typing.Union["GatewaySpecListenersAllowedRoutesNamespaces", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''AllowedRoutes defines the types of routes that MAY be attached to a Listener and the trusted namespaces where those Route resources MAY be present.

        Although a client request may match multiple route rules, only one rule
        may ultimately receive the request. Matching precedence MUST be
        determined in order of the following criteria:

        - The most specific match as defined by the Route type.
        - The oldest Route based on creation timestamp. For example, a Route with
          a creation timestamp of "2020-09-08 01:02:03" is given precedence over
          a Route with a creation timestamp of "2020-09-08 01:02:04".
        - If everything else is equivalent, the Route appearing first in
          alphabetical order (namespace/name) should be given precedence. For
          example, foo/bar is given precedence over foo/baz.

        All valid rules within a Route attached to this Listener should be
        implemented. Invalid Route rules can be ignored (sometimes that will mean
        the full Route). If a Route rule transitions from valid to invalid,
        support for that Route rule should be dropped to ensure consistency. For
        example, even if a filter specified by a Route rule is invalid, the rest
        of the rules within that Route should still be supported.

        Support: Core

        :param kinds: Kinds specifies the groups and kinds of Routes that are allowed to bind to this Gateway Listener. When unspecified or empty, the kinds of Routes selected are determined using the Listener protocol. A RouteGroupKind MUST correspond to kinds of Routes that are compatible with the application protocol specified in the Listener's Protocol field. If an implementation does not support or recognize this resource type, it MUST set the "ResolvedRefs" condition to False for this Listener with the "InvalidRouteKinds" reason. Support: Core
        :param namespaces: Namespaces indicates namespaces from which Routes may be attached to this Listener. This is restricted to the namespace of this Gateway by default. Support: Core

        :schema: GatewaySpecListenersAllowedRoutes
        '''
        if isinstance(namespaces, dict):
            namespaces = GatewaySpecListenersAllowedRoutesNamespaces(**namespaces)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f8f2afb6226781697a696dca7925a71469f547b8fba16b42b177a8ee1070def0)
            check_type(argname="argument kinds", value=kinds, expected_type=type_hints["kinds"])
            check_type(argname="argument namespaces", value=namespaces, expected_type=type_hints["namespaces"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if kinds is not None:
            self._values["kinds"] = kinds
        if namespaces is not None:
            self._values["namespaces"] = namespaces

    @builtins.property
    def kinds(
        self,
    ) -> typing.Optional[typing.List["GatewaySpecListenersAllowedRoutesKinds"]]:
        '''Kinds specifies the groups and kinds of Routes that are allowed to bind to this Gateway Listener.

        When unspecified or empty, the kinds of Routes
        selected are determined using the Listener protocol.

        A RouteGroupKind MUST correspond to kinds of Routes that are compatible
        with the application protocol specified in the Listener's Protocol field.
        If an implementation does not support or recognize this resource type, it
        MUST set the "ResolvedRefs" condition to False for this Listener with the
        "InvalidRouteKinds" reason.

        Support: Core

        :schema: GatewaySpecListenersAllowedRoutes#kinds
        '''
        result = self._values.get("kinds")
        return typing.cast(typing.Optional[typing.List["GatewaySpecListenersAllowedRoutesKinds"]], result)

    @builtins.property
    def namespaces(
        self,
    ) -> typing.Optional["GatewaySpecListenersAllowedRoutesNamespaces"]:
        '''Namespaces indicates namespaces from which Routes may be attached to this Listener.

        This is restricted to the namespace of this Gateway by default.

        Support: Core

        :schema: GatewaySpecListenersAllowedRoutes#namespaces
        '''
        result = self._values.get("namespaces")
        return typing.cast(typing.Optional["GatewaySpecListenersAllowedRoutesNamespaces"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersAllowedRoutes(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutesKinds",
    jsii_struct_bases=[],
    name_mapping={"kind": "kind", "group": "group"},
)
class GatewaySpecListenersAllowedRoutesKinds:
    def __init__(
        self,
        *,
        kind: builtins.str,
        group: typing.Optional[builtins.str] = None,
    ) -> None:
        '''RouteGroupKind indicates the group and kind of a Route resource.

        :param kind: Kind is the kind of the Route.
        :param group: Group is the group of the Route.

        :schema: GatewaySpecListenersAllowedRoutesKinds
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__9d8c6aebe14746acdc13aedac61c85f43350c634c7ca2379e01f3def9ffb657f)
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "kind": kind,
        }
        if group is not None:
            self._values["group"] = group

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is the kind of the Route.

        :schema: GatewaySpecListenersAllowedRoutesKinds#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the Route.

        :schema: GatewaySpecListenersAllowedRoutesKinds#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersAllowedRoutesKinds(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutesNamespaces",
    jsii_struct_bases=[],
    name_mapping={"from_": "from", "selector": "selector"},
)
class GatewaySpecListenersAllowedRoutesNamespaces:
    def __init__(
        self,
        *,
        from_: typing.Optional["GatewaySpecListenersAllowedRoutesNamespacesFrom"] = None,
        selector: typing.Optional[typing.Union["GatewaySpecListenersAllowedRoutesNamespacesSelector", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Namespaces indicates namespaces from which Routes may be attached to this Listener.

        This is restricted to the namespace of this Gateway by default.

        Support: Core

        :param from_: From indicates where Routes will be selected for this Gateway. Possible values are:. - All: Routes in all namespaces may be used by this Gateway. - Selector: Routes in namespaces selected by the selector may be used by this Gateway. - Same: Only Routes in the same namespace may be used by this Gateway. Support: Core
        :param selector: Selector must be specified when From is set to "Selector". In that case, only Routes in Namespaces matching this Selector will be selected by this Gateway. This field is ignored for other values of "From". Support: Core

        :schema: GatewaySpecListenersAllowedRoutesNamespaces
        '''
        if isinstance(selector, dict):
            selector = GatewaySpecListenersAllowedRoutesNamespacesSelector(**selector)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__276beb87cc4d924064af5084f0481aa0719f81f898b75cb969e5dd8fe5a6ab59)
            check_type(argname="argument from_", value=from_, expected_type=type_hints["from_"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if from_ is not None:
            self._values["from_"] = from_
        if selector is not None:
            self._values["selector"] = selector

    @builtins.property
    def from_(
        self,
    ) -> typing.Optional["GatewaySpecListenersAllowedRoutesNamespacesFrom"]:
        '''From indicates where Routes will be selected for this Gateway. Possible values are:.

        - All: Routes in all namespaces may be used by this Gateway.
        - Selector: Routes in namespaces selected by the selector may be used by
          this Gateway.
        - Same: Only Routes in the same namespace may be used by this Gateway.

        Support: Core

        :schema: GatewaySpecListenersAllowedRoutesNamespaces#from
        '''
        result = self._values.get("from_")
        return typing.cast(typing.Optional["GatewaySpecListenersAllowedRoutesNamespacesFrom"], result)

    @builtins.property
    def selector(
        self,
    ) -> typing.Optional["GatewaySpecListenersAllowedRoutesNamespacesSelector"]:
        '''Selector must be specified when From is set to "Selector".

        In that case,
        only Routes in Namespaces matching this Selector will be selected by this
        Gateway. This field is ignored for other values of "From".

        Support: Core

        :schema: GatewaySpecListenersAllowedRoutesNamespaces#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["GatewaySpecListenersAllowedRoutesNamespacesSelector"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersAllowedRoutesNamespaces(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutesNamespacesFrom"
)
class GatewaySpecListenersAllowedRoutesNamespacesFrom(enum.Enum):
    '''From indicates where Routes will be selected for this Gateway. Possible values are:.

    - All: Routes in all namespaces may be used by this Gateway.
    - Selector: Routes in namespaces selected by the selector may be used by
      this Gateway.
    - Same: Only Routes in the same namespace may be used by this Gateway.

    Support: Core

    :schema: GatewaySpecListenersAllowedRoutesNamespacesFrom
    '''

    ALL = "ALL"
    '''All.'''
    SELECTOR = "SELECTOR"
    '''Selector.'''
    SAME = "SAME"
    '''Same.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutesNamespacesSelector",
    jsii_struct_bases=[],
    name_mapping={
        "match_expressions": "matchExpressions",
        "match_labels": "matchLabels",
    },
)
class GatewaySpecListenersAllowedRoutesNamespacesSelector:
    def __init__(
        self,
        *,
        match_expressions: typing.Optional[typing.Sequence[typing.Union["GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions", typing.Dict[builtins.str, typing.Any]]]] = None,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''Selector must be specified when From is set to "Selector".

        In that case,
        only Routes in Namespaces matching this Selector will be selected by this
        Gateway. This field is ignored for other values of "From".

        Support: Core

        :param match_expressions: matchExpressions is a list of label selector requirements. The requirements are ANDed.
        :param match_labels: matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is "key", the operator is "In", and the values array contains only "value". The requirements are ANDed.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__8bfae7ad6e30bb2c3aba10f88da95e756dc4332b1254eafc521ce1720c89e141)
            check_type(argname="argument match_expressions", value=match_expressions, expected_type=type_hints["match_expressions"])
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_expressions is not None:
            self._values["match_expressions"] = match_expressions
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_expressions(
        self,
    ) -> typing.Optional[typing.List["GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions"]]:
        '''matchExpressions is a list of label selector requirements.

        The requirements are ANDed.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelector#matchExpressions
        '''
        result = self._values.get("match_expressions")
        return typing.cast(typing.Optional[typing.List["GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions"]], result)

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''matchLabels is a map of {key,value} pairs.

        A single {key,value} in the matchLabels
        map is equivalent to an element of matchExpressions, whose key field is "key", the
        operator is "In", and the values array contains only "value". The requirements are ANDed.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersAllowedRoutesNamespacesSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "operator": "operator", "values": "values"},
)
class GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions:
    def __init__(
        self,
        *,
        key: builtins.str,
        operator: builtins.str,
        values: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.

        :param key: key is the label key that the selector applies to.
        :param operator: operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.
        :param values: values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4a598a4d2ecdfb536ece21d1bea2a5e7a153578dc49183ce5eac7737b178f32d)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument operator", value=operator, expected_type=type_hints["operator"])
            check_type(argname="argument values", value=values, expected_type=type_hints["values"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
            "operator": operator,
        }
        if values is not None:
            self._values["values"] = values

    @builtins.property
    def key(self) -> builtins.str:
        '''key is the label key that the selector applies to.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def operator(self) -> builtins.str:
        '''operator represents a key's relationship to a set of values.

        Valid operators are In, NotIn, Exists and DoesNotExist.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions#operator
        '''
        result = self._values.get("operator")
        assert result is not None, "Required property 'operator' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''values is an array of string values.

        If the operator is In or NotIn,
        the values array must be non-empty. If the operator is Exists or DoesNotExist,
        the values array must be empty. This array is replaced during a strategic
        merge patch.

        :schema: GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions#values
        '''
        result = self._values.get("values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersTls",
    jsii_struct_bases=[],
    name_mapping={
        "certificate_refs": "certificateRefs",
        "mode": "mode",
        "options": "options",
    },
)
class GatewaySpecListenersTls:
    def __init__(
        self,
        *,
        certificate_refs: typing.Optional[typing.Sequence[typing.Union["GatewaySpecListenersTlsCertificateRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
        mode: typing.Optional["GatewaySpecListenersTlsMode"] = None,
        options: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''TLS is the TLS configuration for the Listener.

        This field is required if
        the Protocol field is "HTTPS" or "TLS". It is invalid to set this field
        if the Protocol field is "HTTP", "TCP", or "UDP".

        The association of SNIs to Certificate defined in ListenerTLSConfig is
        defined based on the Hostname field for this listener.

        The GatewayClass MUST use the longest matching SNI out of all
        available certificates for any TLS handshake.

        Support: Core

        :param certificate_refs: CertificateRefs contains a series of references to Kubernetes objects that contains TLS certificates and private keys. These certificates are used to establish a TLS handshake for requests that match the hostname of the associated listener. A single CertificateRef to a Kubernetes Secret has "Core" support. Implementations MAY choose to support attaching multiple certificates to a Listener, but this behavior is implementation-specific. References to a resource in different namespace are invalid UNLESS there is a ReferenceGrant in the target namespace that allows the certificate to be attached. If a ReferenceGrant does not allow this reference, the "ResolvedRefs" condition MUST be set to False for this listener with the "RefNotPermitted" reason. This field is required to have at least one element when the mode is set to "Terminate" (default) and is optional otherwise. CertificateRefs can reference to standard Kubernetes resources, i.e. Secret, or implementation-specific custom resources. Support: Core - A single reference to a Kubernetes Secret of type kubernetes.io/tls Support: Implementation-specific (More than one reference or other resource types)
        :param mode: Mode defines the TLS behavior for the TLS session initiated by the client. There are two possible modes:. - Terminate: The TLS session between the downstream client and the Gateway is terminated at the Gateway. This mode requires certificates to be specified in some way, such as populating the certificateRefs field. - Passthrough: The TLS session is NOT terminated by the Gateway. This implies that the Gateway can't decipher the TLS stream except for the ClientHello message of the TLS protocol. The certificateRefs field is ignored in this mode. Support: Core
        :param options: Options are a list of key/value pairs to enable extended TLS configuration for each implementation. For example, configuring the minimum TLS version or supported cipher suites. A set of common keys MAY be defined by the API in the future. To avoid any ambiguity, implementation-specific definitions MUST use domain-prefixed names, such as ``example.com/my-custom-option``. Un-prefixed names are reserved for key names defined by Gateway API. Support: Implementation-specific

        :schema: GatewaySpecListenersTls
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__865795c2502624e6577be2833a2c185731b15a1b6ad9762143fd128de2b34ca0)
            check_type(argname="argument certificate_refs", value=certificate_refs, expected_type=type_hints["certificate_refs"])
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
            check_type(argname="argument options", value=options, expected_type=type_hints["options"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if certificate_refs is not None:
            self._values["certificate_refs"] = certificate_refs
        if mode is not None:
            self._values["mode"] = mode
        if options is not None:
            self._values["options"] = options

    @builtins.property
    def certificate_refs(
        self,
    ) -> typing.Optional[typing.List["GatewaySpecListenersTlsCertificateRefs"]]:
        '''CertificateRefs contains a series of references to Kubernetes objects that contains TLS certificates and private keys.

        These certificates are used to
        establish a TLS handshake for requests that match the hostname of the
        associated listener.

        A single CertificateRef to a Kubernetes Secret has "Core" support.
        Implementations MAY choose to support attaching multiple certificates to
        a Listener, but this behavior is implementation-specific.

        References to a resource in different namespace are invalid UNLESS there
        is a ReferenceGrant in the target namespace that allows the certificate
        to be attached. If a ReferenceGrant does not allow this reference, the
        "ResolvedRefs" condition MUST be set to False for this listener with the
        "RefNotPermitted" reason.

        This field is required to have at least one element when the mode is set
        to "Terminate" (default) and is optional otherwise.

        CertificateRefs can reference to standard Kubernetes resources, i.e.
        Secret, or implementation-specific custom resources.

        Support: Core - A single reference to a Kubernetes Secret of type kubernetes.io/tls

        Support: Implementation-specific (More than one reference or other resource types)

        :schema: GatewaySpecListenersTls#certificateRefs
        '''
        result = self._values.get("certificate_refs")
        return typing.cast(typing.Optional[typing.List["GatewaySpecListenersTlsCertificateRefs"]], result)

    @builtins.property
    def mode(self) -> typing.Optional["GatewaySpecListenersTlsMode"]:
        '''Mode defines the TLS behavior for the TLS session initiated by the client. There are two possible modes:.

        - Terminate: The TLS session between the downstream client and the
          Gateway is terminated at the Gateway. This mode requires certificates
          to be specified in some way, such as populating the certificateRefs
          field.
        - Passthrough: The TLS session is NOT terminated by the Gateway. This
          implies that the Gateway can't decipher the TLS stream except for
          the ClientHello message of the TLS protocol. The certificateRefs field
          is ignored in this mode.

        Support: Core

        :schema: GatewaySpecListenersTls#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["GatewaySpecListenersTlsMode"], result)

    @builtins.property
    def options(self) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''Options are a list of key/value pairs to enable extended TLS configuration for each implementation.

        For example, configuring the
        minimum TLS version or supported cipher suites.

        A set of common keys MAY be defined by the API in the future. To avoid
        any ambiguity, implementation-specific definitions MUST use
        domain-prefixed names, such as ``example.com/my-custom-option``.
        Un-prefixed names are reserved for key names defined by Gateway API.

        Support: Implementation-specific

        :schema: GatewaySpecListenersTls#options
        '''
        result = self._values.get("options")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersTls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecListenersTlsCertificateRefs",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
    },
)
class GatewaySpecListenersTlsCertificateRefs:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''SecretObjectReference identifies an API object including its namespace, defaulting to Secret.

        The API object must be valid in the cluster; the Group and Kind must
        be registered in the cluster for this reference to be valid.

        References to objects with invalid Group and Kind are not valid, and must
        be rejected by the implementation, with appropriate Conditions set
        on the containing object.

        :param name: Name is the name of the referent.
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "Secret".
        :param namespace: Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core

        :schema: GatewaySpecListenersTlsCertificateRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__dfafb32b51e4907423918700279f5e9163e14dc3a391ce2408c1a2ae35989047)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if kind is not None:
            self._values["kind"] = kind
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewaySpecListenersTlsCertificateRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: GatewaySpecListenersTlsCertificateRefs#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def kind(self) -> typing.Optional[builtins.str]:
        '''Kind is kind of the referent.

        For example "Secret".

        :schema: GatewaySpecListenersTlsCertificateRefs#kind
        '''
        result = self._values.get("kind")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        Support: Core

        :schema: GatewaySpecListenersTlsCertificateRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecListenersTlsCertificateRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.GatewaySpecListenersTlsMode")
class GatewaySpecListenersTlsMode(enum.Enum):
    '''Mode defines the TLS behavior for the TLS session initiated by the client. There are two possible modes:.

    - Terminate: The TLS session between the downstream client and the
      Gateway is terminated at the Gateway. This mode requires certificates
      to be specified in some way, such as populating the certificateRefs
      field.
    - Passthrough: The TLS session is NOT terminated by the Gateway. This
      implies that the Gateway can't decipher the TLS stream except for
      the ClientHello message of the TLS protocol. The certificateRefs field
      is ignored in this mode.

    Support: Core

    :schema: GatewaySpecListenersTlsMode
    '''

    TERMINATE = "TERMINATE"
    '''Terminate.'''
    PASSTHROUGH = "PASSTHROUGH"
    '''Passthrough.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTls",
    jsii_struct_bases=[],
    name_mapping={"backend": "backend", "frontend": "frontend"},
)
class GatewaySpecTls:
    def __init__(
        self,
        *,
        backend: typing.Optional[typing.Union["GatewaySpecTlsBackend", typing.Dict[builtins.str, typing.Any]]] = None,
        frontend: typing.Optional[typing.Union["GatewaySpecTlsFrontend", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''TLS specifies frontend and backend tls configuration for entire gateway.

        Support: Extended

        :param backend: Backend describes TLS configuration for gateway when connecting to backends. Note that this contains only details for the Gateway as a TLS client, and does *not* imply behavior about how to choose which backend should get a TLS connection. That is determined by the presence of a BackendTLSPolicy. Support: Core
        :param frontend: Frontend describes TLS config when client connects to Gateway. Support: Core

        :schema: GatewaySpecTls
        '''
        if isinstance(backend, dict):
            backend = GatewaySpecTlsBackend(**backend)
        if isinstance(frontend, dict):
            frontend = GatewaySpecTlsFrontend(**frontend)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__0e517aa93d89714df2c5409b149fd92726600da3327e7df776f2a9e535c1df23)
            check_type(argname="argument backend", value=backend, expected_type=type_hints["backend"])
            check_type(argname="argument frontend", value=frontend, expected_type=type_hints["frontend"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if backend is not None:
            self._values["backend"] = backend
        if frontend is not None:
            self._values["frontend"] = frontend

    @builtins.property
    def backend(self) -> typing.Optional["GatewaySpecTlsBackend"]:
        '''Backend describes TLS configuration for gateway when connecting to backends.

        Note that this contains only details for the Gateway as a TLS client,
        and does *not* imply behavior about how to choose which backend should
        get a TLS connection. That is determined by the presence of a BackendTLSPolicy.

        Support: Core

        :schema: GatewaySpecTls#backend
        '''
        result = self._values.get("backend")
        return typing.cast(typing.Optional["GatewaySpecTlsBackend"], result)

    @builtins.property
    def frontend(self) -> typing.Optional["GatewaySpecTlsFrontend"]:
        '''Frontend describes TLS config when client connects to Gateway.

        Support: Core

        :schema: GatewaySpecTls#frontend
        '''
        result = self._values.get("frontend")
        return typing.cast(typing.Optional["GatewaySpecTlsFrontend"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsBackend",
    jsii_struct_bases=[],
    name_mapping={"client_certificate_ref": "clientCertificateRef"},
)
class GatewaySpecTlsBackend:
    def __init__(
        self,
        *,
        client_certificate_ref: typing.Optional[typing.Union["GatewaySpecTlsBackendClientCertificateRef", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Backend describes TLS configuration for gateway when connecting to backends.

        Note that this contains only details for the Gateway as a TLS client,
        and does *not* imply behavior about how to choose which backend should
        get a TLS connection. That is determined by the presence of a BackendTLSPolicy.

        Support: Core

        :param client_certificate_ref: ClientCertificateRef references an object that contains a client certificate and its associated private key. It can reference standard Kubernetes resources, i.e., Secret, or implementation-specific custom resources. A ClientCertificateRef is considered invalid if: - It refers to a resource that cannot be resolved (e.g., the referenced resource does not exist) or is misconfigured (e.g., a Secret does not contain the keys named ``tls.crt`` and ``tls.key``). In this case, the ``ResolvedRefs`` condition on the Gateway MUST be set to False with the Reason ``InvalidClientCertificateRef`` and the Message of the Condition MUST indicate why the reference is invalid. - It refers to a resource in another namespace UNLESS there is a ReferenceGrant in the target namespace that allows the certificate to be attached. If a ReferenceGrant does not allow this reference, the ``ResolvedRefs`` condition on the Gateway MUST be set to False with the Reason ``RefNotPermitted``. Implementations MAY choose to perform further validation of the certificate content (e.g., checking expiry or enforcing specific formats). In such cases, an implementation-specific Reason and Message MUST be set. Support: Core - Reference to a Kubernetes TLS Secret (with the type ``kubernetes.io/tls``). Support: Implementation-specific - Other resource kinds or Secrets with a different type (e.g., ``Opaque``).

        :schema: GatewaySpecTlsBackend
        '''
        if isinstance(client_certificate_ref, dict):
            client_certificate_ref = GatewaySpecTlsBackendClientCertificateRef(**client_certificate_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__eb097097e2b5c783e1ab8d1cd9b7fb30d7743ae06d595c323484fc58f7e2f489)
            check_type(argname="argument client_certificate_ref", value=client_certificate_ref, expected_type=type_hints["client_certificate_ref"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if client_certificate_ref is not None:
            self._values["client_certificate_ref"] = client_certificate_ref

    @builtins.property
    def client_certificate_ref(
        self,
    ) -> typing.Optional["GatewaySpecTlsBackendClientCertificateRef"]:
        '''ClientCertificateRef references an object that contains a client certificate and its associated private key.

        It can reference standard Kubernetes resources,
        i.e., Secret, or implementation-specific custom resources.

        A ClientCertificateRef is considered invalid if:

        - It refers to a resource that cannot be resolved (e.g., the referenced resource
          does not exist) or is misconfigured (e.g., a Secret does not contain the keys
          named ``tls.crt`` and ``tls.key``). In this case, the ``ResolvedRefs`` condition
          on the Gateway MUST be set to False with the Reason ``InvalidClientCertificateRef``
          and the Message of the Condition MUST indicate why the reference is invalid.
        - It refers to a resource in another namespace UNLESS there is a ReferenceGrant
          in the target namespace that allows the certificate to be attached.
          If a ReferenceGrant does not allow this reference, the ``ResolvedRefs`` condition
          on the Gateway MUST be set to False with the Reason ``RefNotPermitted``.

        Implementations MAY choose to perform further validation of the certificate
        content (e.g., checking expiry or enforcing specific formats). In such cases,
        an implementation-specific Reason and Message MUST be set.

        Support: Core - Reference to a Kubernetes TLS Secret (with the type ``kubernetes.io/tls``).
        Support: Implementation-specific - Other resource kinds or Secrets with a
        different type (e.g., ``Opaque``).

        :schema: GatewaySpecTlsBackend#clientCertificateRef
        '''
        result = self._values.get("client_certificate_ref")
        return typing.cast(typing.Optional["GatewaySpecTlsBackendClientCertificateRef"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsBackend(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsBackendClientCertificateRef",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
    },
)
class GatewaySpecTlsBackendClientCertificateRef:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ClientCertificateRef references an object that contains a client certificate and its associated private key.

        It can reference standard Kubernetes resources,
        i.e., Secret, or implementation-specific custom resources.

        A ClientCertificateRef is considered invalid if:

        - It refers to a resource that cannot be resolved (e.g., the referenced resource
          does not exist) or is misconfigured (e.g., a Secret does not contain the keys
          named ``tls.crt`` and ``tls.key``). In this case, the ``ResolvedRefs`` condition
          on the Gateway MUST be set to False with the Reason ``InvalidClientCertificateRef``
          and the Message of the Condition MUST indicate why the reference is invalid.
        - It refers to a resource in another namespace UNLESS there is a ReferenceGrant
          in the target namespace that allows the certificate to be attached.
          If a ReferenceGrant does not allow this reference, the ``ResolvedRefs`` condition
          on the Gateway MUST be set to False with the Reason ``RefNotPermitted``.

        Implementations MAY choose to perform further validation of the certificate
        content (e.g., checking expiry or enforcing specific formats). In such cases,
        an implementation-specific Reason and Message MUST be set.

        Support: Core - Reference to a Kubernetes TLS Secret (with the type ``kubernetes.io/tls``).
        Support: Implementation-specific - Other resource kinds or Secrets with a
        different type (e.g., ``Opaque``).

        :param name: Name is the name of the referent.
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "Secret".
        :param namespace: Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core

        :schema: GatewaySpecTlsBackendClientCertificateRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__597ab134a95815f97ad2ddea21202d9b02ea79efa458b83c53b9001cc94f91a5)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if kind is not None:
            self._values["kind"] = kind
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewaySpecTlsBackendClientCertificateRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: GatewaySpecTlsBackendClientCertificateRef#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def kind(self) -> typing.Optional[builtins.str]:
        '''Kind is kind of the referent.

        For example "Secret".

        :schema: GatewaySpecTlsBackendClientCertificateRef#kind
        '''
        result = self._values.get("kind")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        Support: Core

        :schema: GatewaySpecTlsBackendClientCertificateRef#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsBackendClientCertificateRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontend",
    jsii_struct_bases=[],
    name_mapping={"default": "default", "per_port": "perPort"},
)
class GatewaySpecTlsFrontend:
    def __init__(
        self,
        *,
        default: typing.Union["GatewaySpecTlsFrontendDefault", typing.Dict[builtins.str, typing.Any]],
        per_port: typing.Optional[typing.Sequence[typing.Union["GatewaySpecTlsFrontendPerPort", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Frontend describes TLS config when client connects to Gateway.

        Support: Core

        :param default: Default specifies the default client certificate validation configuration for all Listeners handling HTTPS traffic, unless a per-port configuration is defined. support: Core
        :param per_port: PerPort specifies tls configuration assigned per port. Per port configuration is optional. Once set this configuration overrides the default configuration for all Listeners handling HTTPS traffic that match this port. Each override port requires a unique TLS configuration. support: Core

        :schema: GatewaySpecTlsFrontend
        '''
        if isinstance(default, dict):
            default = GatewaySpecTlsFrontendDefault(**default)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__80cb5e49c2138fae309da71ace055a4ab709204a67500d4c10e0dfd3b6f1ff03)
            check_type(argname="argument default", value=default, expected_type=type_hints["default"])
            check_type(argname="argument per_port", value=per_port, expected_type=type_hints["per_port"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "default": default,
        }
        if per_port is not None:
            self._values["per_port"] = per_port

    @builtins.property
    def default(self) -> "GatewaySpecTlsFrontendDefault":
        '''Default specifies the default client certificate validation configuration for all Listeners handling HTTPS traffic, unless a per-port configuration is defined.

        support: Core

        :schema: GatewaySpecTlsFrontend#default
        '''
        result = self._values.get("default")
        assert result is not None, "Required property 'default' is missing"
        return typing.cast("GatewaySpecTlsFrontendDefault", result)

    @builtins.property
    def per_port(self) -> typing.Optional[typing.List["GatewaySpecTlsFrontendPerPort"]]:
        '''PerPort specifies tls configuration assigned per port.

        Per port configuration is optional. Once set this configuration overrides
        the default configuration for all Listeners handling HTTPS traffic
        that match this port.
        Each override port requires a unique TLS configuration.

        support: Core

        :schema: GatewaySpecTlsFrontend#perPort
        '''
        result = self._values.get("per_port")
        return typing.cast(typing.Optional[typing.List["GatewaySpecTlsFrontendPerPort"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontend(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendDefault",
    jsii_struct_bases=[],
    name_mapping={"validation": "validation"},
)
class GatewaySpecTlsFrontendDefault:
    def __init__(
        self,
        *,
        validation: typing.Optional[typing.Union["GatewaySpecTlsFrontendDefaultValidation", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Default specifies the default client certificate validation configuration for all Listeners handling HTTPS traffic, unless a per-port configuration is defined.

        support: Core

        :param validation: Validation holds configuration information for validating the frontend (client). Setting this field will result in mutual authentication when connecting to the gateway. In browsers this may result in a dialog appearing that requests a user to specify the client certificate. The maximum depth of a certificate chain accepted in verification is Implementation specific. Support: Core

        :schema: GatewaySpecTlsFrontendDefault
        '''
        if isinstance(validation, dict):
            validation = GatewaySpecTlsFrontendDefaultValidation(**validation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a54e3e80b79f79558d2ab95f18cdab0b4018d322848487fe685897e645af8027)
            check_type(argname="argument validation", value=validation, expected_type=type_hints["validation"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if validation is not None:
            self._values["validation"] = validation

    @builtins.property
    def validation(self) -> typing.Optional["GatewaySpecTlsFrontendDefaultValidation"]:
        '''Validation holds configuration information for validating the frontend (client).

        Setting this field will result in mutual authentication when connecting to the gateway.
        In browsers this may result in a dialog appearing
        that requests a user to specify the client certificate.
        The maximum depth of a certificate chain accepted in verification is Implementation specific.

        Support: Core

        :schema: GatewaySpecTlsFrontendDefault#validation
        '''
        result = self._values.get("validation")
        return typing.cast(typing.Optional["GatewaySpecTlsFrontendDefaultValidation"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendDefault(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendDefaultValidation",
    jsii_struct_bases=[],
    name_mapping={"ca_certificate_refs": "caCertificateRefs", "mode": "mode"},
)
class GatewaySpecTlsFrontendDefaultValidation:
    def __init__(
        self,
        *,
        ca_certificate_refs: typing.Sequence[typing.Union["GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs", typing.Dict[builtins.str, typing.Any]]],
        mode: typing.Optional["GatewaySpecTlsFrontendDefaultValidationMode"] = None,
    ) -> None:
        '''Validation holds configuration information for validating the frontend (client).

        Setting this field will result in mutual authentication when connecting to the gateway.
        In browsers this may result in a dialog appearing
        that requests a user to specify the client certificate.
        The maximum depth of a certificate chain accepted in verification is Implementation specific.

        Support: Core

        :param ca_certificate_refs: CACertificateRefs contains one or more references to Kubernetes objects that contain a PEM-encoded TLS CA certificate bundle, which is used as a trust anchor to validate the certificates presented by the client. A CACertificateRef is invalid if: - It refers to a resource that cannot be resolved (e.g., the referenced resource does not exist) or is misconfigured (e.g., a ConfigMap does not contain a key named ``ca.crt``). In this case, the Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateRef`` and the Message of the Condition must indicate which reference is invalid and why. - It refers to an unknown or unsupported kind of resource. In this case, the Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateKind`` and the Message of the Condition must explain which kind of resource is unknown or unsupported. - It refers to a resource in another namespace UNLESS there is a ReferenceGrant in the target namespace that allows the CA certificate to be attached. If a ReferenceGrant does not allow this reference, the ``ResolvedRefs`` on all matching HTTPS listeners condition MUST be set with the Reason ``RefNotPermitted``. Implementations MAY choose to perform further validation of the certificate content (e.g., checking expiry or enforcing specific formats). In such cases, an implementation-specific Reason and Message MUST be set. In all cases, the implementation MUST ensure that the ``ResolvedRefs`` condition is set to ``status: False`` on all targeted listeners (i.e., listeners serving HTTPS on a matching port). The condition MUST include a Reason and Message that indicate the cause of the error. If ALL CACertificateRefs are invalid, the implementation MUST also ensure the ``Accepted`` condition on the listener is set to ``status: False``, with the Reason ``NoValidCACertificate``. Implementations MAY choose to support attaching multiple CA certificates to a listener, but this behavior is implementation-specific. Support: Core - A single reference to a Kubernetes ConfigMap, with the CA certificate in a key named ``ca.crt``. Support: Implementation-specific - More than one reference, other kinds of resources, or a single reference that includes multiple certificates.
        :param mode: FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:. - AllowValidOnly: In this mode, the gateway will accept connections only if the client presents a valid certificate. This certificate must successfully pass validation against the CA certificates specified in ``CACertificateRefs``. - AllowInsecureFallback: In this mode, the gateway will accept connections even if the client certificate is not presented or fails verification. This approach delegates client authorization to the backend and introduce a significant security risk. It should be used in testing environments or on a temporary basis in non-testing environments. Defaults to AllowValidOnly. Support: Core Default: AllowValidOnly.

        :schema: GatewaySpecTlsFrontendDefaultValidation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5a1c8baf1912c9418be3cce544e5b32022b07ddd65dac1e47b7a00efe0d4fdb9)
            check_type(argname="argument ca_certificate_refs", value=ca_certificate_refs, expected_type=type_hints["ca_certificate_refs"])
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "ca_certificate_refs": ca_certificate_refs,
        }
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def ca_certificate_refs(
        self,
    ) -> typing.List["GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs"]:
        '''CACertificateRefs contains one or more references to Kubernetes objects that contain a PEM-encoded TLS CA certificate bundle, which is used as a trust anchor to validate the certificates presented by the client.

        A CACertificateRef is invalid if:

        - It refers to a resource that cannot be resolved (e.g., the
          referenced resource does not exist) or is misconfigured (e.g., a
          ConfigMap does not contain a key named ``ca.crt``). In this case, the
          Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateRef``
          and the Message of the Condition must indicate which reference is invalid and why.
        - It refers to an unknown or unsupported kind of resource. In this
          case, the Reason on all matching HTTPS listeners must be set to
          ``InvalidCACertificateKind`` and the Message of the Condition must explain
          which kind of resource is unknown or unsupported.
        - It refers to a resource in another namespace UNLESS there is a
          ReferenceGrant in the target namespace that allows the CA
          certificate to be attached. If a ReferenceGrant does not allow this
          reference, the ``ResolvedRefs`` on all matching HTTPS listeners condition
          MUST be set with the Reason ``RefNotPermitted``.

        Implementations MAY choose to perform further validation of the
        certificate content (e.g., checking expiry or enforcing specific formats).
        In such cases, an implementation-specific Reason and Message MUST be set.

        In all cases, the implementation MUST ensure that the ``ResolvedRefs``
        condition is set to ``status: False`` on all targeted listeners (i.e.,
        listeners serving HTTPS on a matching port). The condition MUST
        include a Reason and Message that indicate the cause of the error. If
        ALL CACertificateRefs are invalid, the implementation MUST also ensure
        the ``Accepted`` condition on the listener is set to ``status: False``, with
        the Reason ``NoValidCACertificate``.
        Implementations MAY choose to support attaching multiple CA certificates
        to a listener, but this behavior is implementation-specific.

        Support: Core - A single reference to a Kubernetes ConfigMap, with the
        CA certificate in a key named ``ca.crt``.

        Support: Implementation-specific - More than one reference, other kinds
        of resources, or a single reference that includes multiple certificates.

        :schema: GatewaySpecTlsFrontendDefaultValidation#caCertificateRefs
        '''
        result = self._values.get("ca_certificate_refs")
        assert result is not None, "Required property 'ca_certificate_refs' is missing"
        return typing.cast(typing.List["GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs"], result)

    @builtins.property
    def mode(self) -> typing.Optional["GatewaySpecTlsFrontendDefaultValidationMode"]:
        '''FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:.

        - AllowValidOnly: In this mode, the gateway will accept connections only if
          the client presents a valid certificate. This certificate must successfully
          pass validation against the CA certificates specified in ``CACertificateRefs``.
        - AllowInsecureFallback: In this mode, the gateway will accept connections
          even if the client certificate is not presented or fails verification.

        This approach delegates client authorization to the backend and introduce
        a significant security risk. It should be used in testing environments or
        on a temporary basis in non-testing environments.

        Defaults to AllowValidOnly.

        Support: Core

        :default: AllowValidOnly.

        :schema: GatewaySpecTlsFrontendDefaultValidation#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["GatewaySpecTlsFrontendDefaultValidationMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendDefaultValidation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs",
    jsii_struct_bases=[],
    name_mapping={
        "group": "group",
        "kind": "kind",
        "name": "name",
        "namespace": "namespace",
    },
)
class GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ObjectReference identifies an API object including its namespace.

        The API object must be valid in the cluster; the Group and Kind must
        be registered in the cluster for this reference to be valid.

        References to objects with invalid Group and Kind are not valid, and must
        be rejected by the implementation, with appropriate Conditions set
        on the containing object.

        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When set to the empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "ConfigMap" or "Service".
        :param name: Name is the name of the referent.
        :param namespace: Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core

        :schema: GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4a8b9641ec615de5e8c816fbf213eec69d762756e842c93a359db68a68150ea0)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When set to the empty string, core API group is inferred.

        :schema: GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        For example "ConfigMap" or "Service".

        :schema: GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        Support: Core

        :schema: GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendDefaultValidationMode"
)
class GatewaySpecTlsFrontendDefaultValidationMode(enum.Enum):
    '''FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:.

    - AllowValidOnly: In this mode, the gateway will accept connections only if
      the client presents a valid certificate. This certificate must successfully
      pass validation against the CA certificates specified in ``CACertificateRefs``.
    - AllowInsecureFallback: In this mode, the gateway will accept connections
      even if the client certificate is not presented or fails verification.

    This approach delegates client authorization to the backend and introduce
    a significant security risk. It should be used in testing environments or
    on a temporary basis in non-testing environments.

    Defaults to AllowValidOnly.

    Support: Core

    :default: AllowValidOnly.

    :schema: GatewaySpecTlsFrontendDefaultValidationMode
    '''

    ALLOW_VALID_ONLY = "ALLOW_VALID_ONLY"
    '''AllowValidOnly.'''
    ALLOW_INSECURE_FALLBACK = "ALLOW_INSECURE_FALLBACK"
    '''AllowInsecureFallback.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendPerPort",
    jsii_struct_bases=[],
    name_mapping={"port": "port", "tls": "tls"},
)
class GatewaySpecTlsFrontendPerPort:
    def __init__(
        self,
        *,
        port: jsii.Number,
        tls: typing.Union["GatewaySpecTlsFrontendPerPortTls", typing.Dict[builtins.str, typing.Any]],
    ) -> None:
        '''
        :param port: The Port indicates the Port Number to which the TLS configuration will be applied. This configuration will be applied to all Listeners handling HTTPS traffic that match this port. Support: Core
        :param tls: TLS store the configuration that will be applied to all Listeners handling HTTPS traffic and matching given port. Support: Core

        :schema: GatewaySpecTlsFrontendPerPort
        '''
        if isinstance(tls, dict):
            tls = GatewaySpecTlsFrontendPerPortTls(**tls)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__47f2e6b6aa46835997ecf8fd6bf71a980fd367c2d13537f8c2a194373589a683)
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument tls", value=tls, expected_type=type_hints["tls"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "port": port,
            "tls": tls,
        }

    @builtins.property
    def port(self) -> jsii.Number:
        '''The Port indicates the Port Number to which the TLS configuration will be applied.

        This configuration will be applied to all Listeners handling HTTPS
        traffic that match this port.

        Support: Core

        :schema: GatewaySpecTlsFrontendPerPort#port
        '''
        result = self._values.get("port")
        assert result is not None, "Required property 'port' is missing"
        return typing.cast(jsii.Number, result)

    @builtins.property
    def tls(self) -> "GatewaySpecTlsFrontendPerPortTls":
        '''TLS store the configuration that will be applied to all Listeners handling HTTPS traffic and matching given port.

        Support: Core

        :schema: GatewaySpecTlsFrontendPerPort#tls
        '''
        result = self._values.get("tls")
        assert result is not None, "Required property 'tls' is missing"
        return typing.cast("GatewaySpecTlsFrontendPerPortTls", result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendPerPort(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendPerPortTls",
    jsii_struct_bases=[],
    name_mapping={"validation": "validation"},
)
class GatewaySpecTlsFrontendPerPortTls:
    def __init__(
        self,
        *,
        validation: typing.Optional[typing.Union["GatewaySpecTlsFrontendPerPortTlsValidation", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''TLS store the configuration that will be applied to all Listeners handling HTTPS traffic and matching given port.

        Support: Core

        :param validation: Validation holds configuration information for validating the frontend (client). Setting this field will result in mutual authentication when connecting to the gateway. In browsers this may result in a dialog appearing that requests a user to specify the client certificate. The maximum depth of a certificate chain accepted in verification is Implementation specific. Support: Core

        :schema: GatewaySpecTlsFrontendPerPortTls
        '''
        if isinstance(validation, dict):
            validation = GatewaySpecTlsFrontendPerPortTlsValidation(**validation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__26236f62109ff7b32ec9b5007316c59c248aa9209d75b44bdee1b2eea2538fab)
            check_type(argname="argument validation", value=validation, expected_type=type_hints["validation"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if validation is not None:
            self._values["validation"] = validation

    @builtins.property
    def validation(
        self,
    ) -> typing.Optional["GatewaySpecTlsFrontendPerPortTlsValidation"]:
        '''Validation holds configuration information for validating the frontend (client).

        Setting this field will result in mutual authentication when connecting to the gateway.
        In browsers this may result in a dialog appearing
        that requests a user to specify the client certificate.
        The maximum depth of a certificate chain accepted in verification is Implementation specific.

        Support: Core

        :schema: GatewaySpecTlsFrontendPerPortTls#validation
        '''
        result = self._values.get("validation")
        return typing.cast(typing.Optional["GatewaySpecTlsFrontendPerPortTlsValidation"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendPerPortTls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendPerPortTlsValidation",
    jsii_struct_bases=[],
    name_mapping={"ca_certificate_refs": "caCertificateRefs", "mode": "mode"},
)
class GatewaySpecTlsFrontendPerPortTlsValidation:
    def __init__(
        self,
        *,
        ca_certificate_refs: typing.Sequence[typing.Union["GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs", typing.Dict[builtins.str, typing.Any]]],
        mode: typing.Optional["GatewaySpecTlsFrontendPerPortTlsValidationMode"] = None,
    ) -> None:
        '''Validation holds configuration information for validating the frontend (client).

        Setting this field will result in mutual authentication when connecting to the gateway.
        In browsers this may result in a dialog appearing
        that requests a user to specify the client certificate.
        The maximum depth of a certificate chain accepted in verification is Implementation specific.

        Support: Core

        :param ca_certificate_refs: CACertificateRefs contains one or more references to Kubernetes objects that contain a PEM-encoded TLS CA certificate bundle, which is used as a trust anchor to validate the certificates presented by the client. A CACertificateRef is invalid if: - It refers to a resource that cannot be resolved (e.g., the referenced resource does not exist) or is misconfigured (e.g., a ConfigMap does not contain a key named ``ca.crt``). In this case, the Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateRef`` and the Message of the Condition must indicate which reference is invalid and why. - It refers to an unknown or unsupported kind of resource. In this case, the Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateKind`` and the Message of the Condition must explain which kind of resource is unknown or unsupported. - It refers to a resource in another namespace UNLESS there is a ReferenceGrant in the target namespace that allows the CA certificate to be attached. If a ReferenceGrant does not allow this reference, the ``ResolvedRefs`` on all matching HTTPS listeners condition MUST be set with the Reason ``RefNotPermitted``. Implementations MAY choose to perform further validation of the certificate content (e.g., checking expiry or enforcing specific formats). In such cases, an implementation-specific Reason and Message MUST be set. In all cases, the implementation MUST ensure that the ``ResolvedRefs`` condition is set to ``status: False`` on all targeted listeners (i.e., listeners serving HTTPS on a matching port). The condition MUST include a Reason and Message that indicate the cause of the error. If ALL CACertificateRefs are invalid, the implementation MUST also ensure the ``Accepted`` condition on the listener is set to ``status: False``, with the Reason ``NoValidCACertificate``. Implementations MAY choose to support attaching multiple CA certificates to a listener, but this behavior is implementation-specific. Support: Core - A single reference to a Kubernetes ConfigMap, with the CA certificate in a key named ``ca.crt``. Support: Implementation-specific - More than one reference, other kinds of resources, or a single reference that includes multiple certificates.
        :param mode: FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:. - AllowValidOnly: In this mode, the gateway will accept connections only if the client presents a valid certificate. This certificate must successfully pass validation against the CA certificates specified in ``CACertificateRefs``. - AllowInsecureFallback: In this mode, the gateway will accept connections even if the client certificate is not presented or fails verification. This approach delegates client authorization to the backend and introduce a significant security risk. It should be used in testing environments or on a temporary basis in non-testing environments. Defaults to AllowValidOnly. Support: Core Default: AllowValidOnly.

        :schema: GatewaySpecTlsFrontendPerPortTlsValidation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__dcd435acd24f89f8ac2504d17c8a56492d77cdc53796434cdbbff0beb6ff93e6)
            check_type(argname="argument ca_certificate_refs", value=ca_certificate_refs, expected_type=type_hints["ca_certificate_refs"])
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "ca_certificate_refs": ca_certificate_refs,
        }
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def ca_certificate_refs(
        self,
    ) -> typing.List["GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs"]:
        '''CACertificateRefs contains one or more references to Kubernetes objects that contain a PEM-encoded TLS CA certificate bundle, which is used as a trust anchor to validate the certificates presented by the client.

        A CACertificateRef is invalid if:

        - It refers to a resource that cannot be resolved (e.g., the
          referenced resource does not exist) or is misconfigured (e.g., a
          ConfigMap does not contain a key named ``ca.crt``). In this case, the
          Reason on all matching HTTPS listeners must be set to ``InvalidCACertificateRef``
          and the Message of the Condition must indicate which reference is invalid and why.
        - It refers to an unknown or unsupported kind of resource. In this
          case, the Reason on all matching HTTPS listeners must be set to
          ``InvalidCACertificateKind`` and the Message of the Condition must explain
          which kind of resource is unknown or unsupported.
        - It refers to a resource in another namespace UNLESS there is a
          ReferenceGrant in the target namespace that allows the CA
          certificate to be attached. If a ReferenceGrant does not allow this
          reference, the ``ResolvedRefs`` on all matching HTTPS listeners condition
          MUST be set with the Reason ``RefNotPermitted``.

        Implementations MAY choose to perform further validation of the
        certificate content (e.g., checking expiry or enforcing specific formats).
        In such cases, an implementation-specific Reason and Message MUST be set.

        In all cases, the implementation MUST ensure that the ``ResolvedRefs``
        condition is set to ``status: False`` on all targeted listeners (i.e.,
        listeners serving HTTPS on a matching port). The condition MUST
        include a Reason and Message that indicate the cause of the error. If
        ALL CACertificateRefs are invalid, the implementation MUST also ensure
        the ``Accepted`` condition on the listener is set to ``status: False``, with
        the Reason ``NoValidCACertificate``.
        Implementations MAY choose to support attaching multiple CA certificates
        to a listener, but this behavior is implementation-specific.

        Support: Core - A single reference to a Kubernetes ConfigMap, with the
        CA certificate in a key named ``ca.crt``.

        Support: Implementation-specific - More than one reference, other kinds
        of resources, or a single reference that includes multiple certificates.

        :schema: GatewaySpecTlsFrontendPerPortTlsValidation#caCertificateRefs
        '''
        result = self._values.get("ca_certificate_refs")
        assert result is not None, "Required property 'ca_certificate_refs' is missing"
        return typing.cast(typing.List["GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs"], result)

    @builtins.property
    def mode(self) -> typing.Optional["GatewaySpecTlsFrontendPerPortTlsValidationMode"]:
        '''FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:.

        - AllowValidOnly: In this mode, the gateway will accept connections only if
          the client presents a valid certificate. This certificate must successfully
          pass validation against the CA certificates specified in ``CACertificateRefs``.
        - AllowInsecureFallback: In this mode, the gateway will accept connections
          even if the client certificate is not presented or fails verification.

        This approach delegates client authorization to the backend and introduce
        a significant security risk. It should be used in testing environments or
        on a temporary basis in non-testing environments.

        Defaults to AllowValidOnly.

        Support: Core

        :default: AllowValidOnly.

        :schema: GatewaySpecTlsFrontendPerPortTlsValidation#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["GatewaySpecTlsFrontendPerPortTlsValidationMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendPerPortTlsValidation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs",
    jsii_struct_bases=[],
    name_mapping={
        "group": "group",
        "kind": "kind",
        "name": "name",
        "namespace": "namespace",
    },
)
class GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ObjectReference identifies an API object including its namespace.

        The API object must be valid in the cluster; the Group and Kind must
        be registered in the cluster for this reference to be valid.

        References to objects with invalid Group and Kind are not valid, and must
        be rejected by the implementation, with appropriate Conditions set
        on the containing object.

        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When set to the empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "ConfigMap" or "Service".
        :param name: Name is the name of the referent.
        :param namespace: Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core

        :schema: GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4e50a8b95cfa5ef8e67bc6930759b20b94d41143ef4c01812ef342367f730bcb)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When set to the empty string, core API group is inferred.

        :schema: GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        For example "ConfigMap" or "Service".

        :schema: GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred.

        Note that when a namespace different than the local namespace is specified,
        a ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        Support: Core

        :schema: GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.GatewaySpecTlsFrontendPerPortTlsValidationMode"
)
class GatewaySpecTlsFrontendPerPortTlsValidationMode(enum.Enum):
    '''FrontendValidationMode defines the mode for validating the client certificate. There are two possible modes:.

    - AllowValidOnly: In this mode, the gateway will accept connections only if
      the client presents a valid certificate. This certificate must successfully
      pass validation against the CA certificates specified in ``CACertificateRefs``.
    - AllowInsecureFallback: In this mode, the gateway will accept connections
      even if the client certificate is not presented or fails verification.

    This approach delegates client authorization to the backend and introduce
    a significant security risk. It should be used in testing environments or
    on a temporary basis in non-testing environments.

    Defaults to AllowValidOnly.

    Support: Core

    :default: AllowValidOnly.

    :schema: GatewaySpecTlsFrontendPerPortTlsValidationMode
    '''

    ALLOW_VALID_ONLY = "ALLOW_VALID_ONLY"
    '''AllowValidOnly.'''
    ALLOW_INSECURE_FALLBACK = "ALLOW_INSECURE_FALLBACK"
    '''AllowInsecureFallback.'''


class HttpRoute(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="iok8snetworkinggateway.HttpRoute",
):
    '''HTTPRoute provides a way to route HTTP requests.

    This includes the capability
    to match requests by hostname, path, header, or query param. Filters can be
    used to specify additional processing steps. Backends specify where matching
    requests should be routed.

    :schema: HTTPRoute
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        spec: typing.Union["HttpRouteSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "HTTPRoute" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param spec: Spec defines the desired state of HTTPRoute.
        :param metadata: 
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c9b86ffd07ffc12cdb06c165c9bd749717cce70ece33e4c5aba9ca1ad450cdc6)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = HttpRouteProps(spec=spec, metadata=metadata)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        spec: typing.Union["HttpRouteSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "HTTPRoute".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param spec: Spec defines the desired state of HTTPRoute.
        :param metadata: 
        '''
        props = HttpRouteProps(spec=spec, metadata=metadata)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "HTTPRoute".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteProps",
    jsii_struct_bases=[],
    name_mapping={"spec": "spec", "metadata": "metadata"},
)
class HttpRouteProps:
    def __init__(
        self,
        *,
        spec: typing.Union["HttpRouteSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''HTTPRoute provides a way to route HTTP requests.

        This includes the capability
        to match requests by hostname, path, header, or query param. Filters can be
        used to specify additional processing steps. Backends specify where matching
        requests should be routed.

        :param spec: Spec defines the desired state of HTTPRoute.
        :param metadata: 

        :schema: HTTPRoute
        '''
        if isinstance(spec, dict):
            spec = HttpRouteSpec(**spec)
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a8c5827b6b8ef31843547890bcdcf48b0720e64509d041cb5523f9c8ac5c040c)
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "spec": spec,
        }
        if metadata is not None:
            self._values["metadata"] = metadata

    @builtins.property
    def spec(self) -> "HttpRouteSpec":
        '''Spec defines the desired state of HTTPRoute.

        :schema: HTTPRoute#spec
        '''
        result = self._values.get("spec")
        assert result is not None, "Required property 'spec' is missing"
        return typing.cast("HttpRouteSpec", result)

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: HTTPRoute#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpec",
    jsii_struct_bases=[],
    name_mapping={
        "hostnames": "hostnames",
        "parent_refs": "parentRefs",
        "rules": "rules",
    },
)
class HttpRouteSpec:
    def __init__(
        self,
        *,
        hostnames: typing.Optional[typing.Sequence[builtins.str]] = None,
        parent_refs: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecParentRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
        rules: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRules", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Spec defines the desired state of HTTPRoute.

        :param hostnames: Hostnames defines a set of hostnames that should match against the HTTP Host header to select a HTTPRoute used to process the request. Implementations MUST ignore any port value specified in the HTTP Host header while performing a match and (absent of any applicable header modification configuration) MUST forward this header unmodified to the backend. Valid values for Hostnames are determined by RFC 1123 definition of a hostname with 2 notable exceptions: 1. IPs are not allowed. 2. A hostname may be prefixed with a wildcard label (``*.``). The wildcard label must appear by itself as the first label. If a hostname is specified by both the Listener and HTTPRoute, there must be at least one intersecting hostname for the HTTPRoute to be attached to the Listener. For example: - A Listener with ``test.example.com`` as the hostname matches HTTPRoutes that have either not specified any hostnames, or have specified at least one of ``test.example.com`` or ``*.example.com``. - A Listener with ``*.example.com`` as the hostname matches HTTPRoutes that have either not specified any hostnames or have specified at least one hostname that matches the Listener hostname. For example, ``*.example.com``, ``test.example.com``, and ``foo.test.example.com`` would all match. On the other hand, ``example.com`` and ``test.example.net`` would not match. Hostnames that are prefixed with a wildcard label (``*.``) are interpreted as a suffix match. That means that a match for ``*.example.com`` would match both ``test.example.com``, and ``foo.test.example.com``, but not ``example.com``. If both the Listener and HTTPRoute have specified hostnames, any HTTPRoute hostnames that do not match the Listener hostname MUST be ignored. For example, if a Listener specified ``*.example.com``, and the HTTPRoute specified ``test.example.com`` and ``test.example.net``, ``test.example.net`` must not be considered for a match. If both the Listener and HTTPRoute have specified hostnames, and none match with the criteria above, then the HTTPRoute is not accepted. The implementation must raise an 'Accepted' Condition with a status of ``False`` in the corresponding RouteParentStatus. In the event that multiple HTTPRoutes specify intersecting hostnames (e.g. overlapping wildcard matching and exact matching hostnames), precedence must be given to rules from the HTTPRoute with the largest number of: - Characters in a matching non-wildcard hostname. - Characters in a matching hostname. If ties exist across multiple Routes, the matching precedence rules for HTTPRouteMatches takes over. Support: Core
        :param parent_refs: ParentRefs references the resources (usually Gateways) that a Route wants to be attached to. Note that the referenced parent resource needs to allow this for the attachment to be complete. For Gateways, that means the Gateway needs to allow attachment from Routes of this kind and namespace. For Services, that means the Service must either be in the same namespace for a "producer" route, or the mesh implementation must support and allow "consumer" routes for the referenced Service. ReferenceGrant is not applicable for governing ParentRefs to Services - it is not possible to create a "producer" route for a Service in a different namespace from the Route. There are two kinds of parent resources with "Core" support: - Gateway (Gateway conformance profile) - Service (Mesh conformance profile, ClusterIP Services only) This API may be extended in the future to support additional kinds of parent resources. ParentRefs must be *distinct*. This means either that: - They select different objects. If this is the case, then parentRef entries are distinct. In terms of fields, this means that the multi-part key defined by ``group``, ``kind``, ``namespace``, and ``name`` must be unique across all parentRef entries in the Route. - They do not select different objects, but for each optional field used, each ParentRef that selects the same object must set the same set of optional fields to different values. If one ParentRef sets a combination of optional fields, all must set the same combination. Some examples: - If one ParentRef sets ``sectionName``, all ParentRefs referencing the same object must also set ``sectionName``. - If one ParentRef sets ``port``, all ParentRefs referencing the same object must also set ``port``. - If one ParentRef sets ``sectionName`` and ``port``, all ParentRefs referencing the same object must also set ``sectionName`` and ``port``. It is possible to separately reference multiple distinct objects that may be collapsed by an implementation. For example, some implementations may choose to merge compatible Gateway Listeners together. If that is the case, the list of routes attached to those resources should also be merged. Note that for ParentRefs that cross namespace boundaries, there are specific rules. Cross-namespace references are only valid if they are explicitly allowed by something in the namespace they are referring to. For example, Gateway has the AllowedRoutes field, and ReferenceGrant provides a generic way to enable other kinds of cross-namespace reference.
        :param rules: Rules are a list of HTTP matchers, filters and actions.

        :schema: HttpRouteSpec
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a9371b4498263bf45bf51be859edb466832628fd317b45961d2be62d8b6b407b)
            check_type(argname="argument hostnames", value=hostnames, expected_type=type_hints["hostnames"])
            check_type(argname="argument parent_refs", value=parent_refs, expected_type=type_hints["parent_refs"])
            check_type(argname="argument rules", value=rules, expected_type=type_hints["rules"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hostnames is not None:
            self._values["hostnames"] = hostnames
        if parent_refs is not None:
            self._values["parent_refs"] = parent_refs
        if rules is not None:
            self._values["rules"] = rules

    @builtins.property
    def hostnames(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Hostnames defines a set of hostnames that should match against the HTTP Host header to select a HTTPRoute used to process the request.

        Implementations
        MUST ignore any port value specified in the HTTP Host header while
        performing a match and (absent of any applicable header modification
        configuration) MUST forward this header unmodified to the backend.

        Valid values for Hostnames are determined by RFC 1123 definition of a
        hostname with 2 notable exceptions:

        1. IPs are not allowed.
        2. A hostname may be prefixed with a wildcard label (``*.``). The wildcard
           label must appear by itself as the first label.

        If a hostname is specified by both the Listener and HTTPRoute, there
        must be at least one intersecting hostname for the HTTPRoute to be
        attached to the Listener. For example:

        - A Listener with ``test.example.com`` as the hostname matches HTTPRoutes
          that have either not specified any hostnames, or have specified at
          least one of ``test.example.com`` or ``*.example.com``.
        - A Listener with ``*.example.com`` as the hostname matches HTTPRoutes
          that have either not specified any hostnames or have specified at least
          one hostname that matches the Listener hostname. For example,
          ``*.example.com``, ``test.example.com``, and ``foo.test.example.com`` would
          all match. On the other hand, ``example.com`` and ``test.example.net`` would
          not match.

        Hostnames that are prefixed with a wildcard label (``*.``) are interpreted
        as a suffix match. That means that a match for ``*.example.com`` would match
        both ``test.example.com``, and ``foo.test.example.com``, but not ``example.com``.

        If both the Listener and HTTPRoute have specified hostnames, any
        HTTPRoute hostnames that do not match the Listener hostname MUST be
        ignored. For example, if a Listener specified ``*.example.com``, and the
        HTTPRoute specified ``test.example.com`` and ``test.example.net``,
        ``test.example.net`` must not be considered for a match.

        If both the Listener and HTTPRoute have specified hostnames, and none
        match with the criteria above, then the HTTPRoute is not accepted. The
        implementation must raise an 'Accepted' Condition with a status of
        ``False`` in the corresponding RouteParentStatus.

        In the event that multiple HTTPRoutes specify intersecting hostnames (e.g.
        overlapping wildcard matching and exact matching hostnames), precedence must
        be given to rules from the HTTPRoute with the largest number of:

        - Characters in a matching non-wildcard hostname.
        - Characters in a matching hostname.

        If ties exist across multiple Routes, the matching precedence rules for
        HTTPRouteMatches takes over.

        Support: Core

        :schema: HttpRouteSpec#hostnames
        '''
        result = self._values.get("hostnames")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def parent_refs(self) -> typing.Optional[typing.List["HttpRouteSpecParentRefs"]]:
        '''ParentRefs references the resources (usually Gateways) that a Route wants to be attached to.

        Note that the referenced parent resource needs to
        allow this for the attachment to be complete. For Gateways, that means
        the Gateway needs to allow attachment from Routes of this kind and
        namespace. For Services, that means the Service must either be in the same
        namespace for a "producer" route, or the mesh implementation must support
        and allow "consumer" routes for the referenced Service. ReferenceGrant is
        not applicable for governing ParentRefs to Services - it is not possible to
        create a "producer" route for a Service in a different namespace from the
        Route.

        There are two kinds of parent resources with "Core" support:

        - Gateway (Gateway conformance profile)
        - Service (Mesh conformance profile, ClusterIP Services only)

        This API may be extended in the future to support additional kinds of parent
        resources.

        ParentRefs must be *distinct*. This means either that:

        - They select different objects.  If this is the case, then parentRef
          entries are distinct. In terms of fields, this means that the
          multi-part key defined by ``group``, ``kind``, ``namespace``, and ``name`` must
          be unique across all parentRef entries in the Route.
        - They do not select different objects, but for each optional field used,
          each ParentRef that selects the same object must set the same set of
          optional fields to different values. If one ParentRef sets a
          combination of optional fields, all must set the same combination.

        Some examples:

        - If one ParentRef sets ``sectionName``, all ParentRefs referencing the
          same object must also set ``sectionName``.
        - If one ParentRef sets ``port``, all ParentRefs referencing the same
          object must also set ``port``.
        - If one ParentRef sets ``sectionName`` and ``port``, all ParentRefs
          referencing the same object must also set ``sectionName`` and ``port``.

        It is possible to separately reference multiple distinct objects that may
        be collapsed by an implementation. For example, some implementations may
        choose to merge compatible Gateway Listeners together. If that is the
        case, the list of routes attached to those resources should also be
        merged.

        Note that for ParentRefs that cross namespace boundaries, there are specific
        rules. Cross-namespace references are only valid if they are explicitly
        allowed by something in the namespace they are referring to. For example,
        Gateway has the AllowedRoutes field, and ReferenceGrant provides a
        generic way to enable other kinds of cross-namespace reference.

        :schema: HttpRouteSpec#parentRefs
        '''
        result = self._values.get("parent_refs")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecParentRefs"]], result)

    @builtins.property
    def rules(self) -> typing.Optional[typing.List["HttpRouteSpecRules"]]:
        '''Rules are a list of HTTP matchers, filters and actions.

        :schema: HttpRouteSpec#rules
        '''
        result = self._values.get("rules")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRules"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecParentRefs",
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
class HttpRouteSpecParentRefs:
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
        :param namespace: Namespace is the namespace of the referent. When unspecified, this refers to the local namespace of the Route. Note that there are specific rules for ParentRefs which cross namespace boundaries. Cross-namespace references are only valid if they are explicitly allowed by something in the namespace they are referring to. For example: Gateway has the AllowedRoutes field, and ReferenceGrant provides a generic way to enable any other kind of cross-namespace reference. Support: Core
        :param port: Port is the network port this Route targets. It can be interpreted differently based on the type of parent resource. When the parent resource is a Gateway, this targets all listeners listening on the specified port that also support this kind of Route(and select this Route). It's not recommended to set ``Port`` unless the networking behaviors specified in a Route must apply to a specific port as opposed to a listener(s) whose port(s) may be changed. When both Port and SectionName are specified, the name and port of the selected listener must match both specified values. Implementations MAY choose to support other parent resources. Implementations supporting other types of parent resources MUST clearly document how/if Port is interpreted. For the purpose of status, an attachment is considered successful as long as the parent resource accepts it partially. For example, Gateway listeners can restrict which Routes can attach to them by Route kind, namespace, or hostname. If 1 of 2 Gateway listeners accept attachment from the referencing Route, the Route MUST be considered successfully attached. If no Gateway listeners accept attachment from this Route, the Route MUST be considered detached from the Gateway. Support: Extended
        :param section_name: SectionName is the name of a section within the target resource. In the following resources, SectionName is interpreted as the following: - Gateway: Listener name. When both Port (experimental) and SectionName are specified, the name and port of the selected listener must match both specified values. - Service: Port name. When both Port (experimental) and SectionName are specified, the name and port of the selected listener must match both specified values. Implementations MAY choose to support attaching Routes to other resources. If that is the case, they MUST clearly document how SectionName is interpreted. When unspecified (empty string), this will reference the entire resource. For the purpose of status, an attachment is considered successful if at least one section in the parent resource accepts it. For example, Gateway listeners can restrict which Routes can attach to them by Route kind, namespace, or hostname. If 1 of 2 Gateway listeners accept attachment from the referencing Route, the Route MUST be considered successfully attached. If no Gateway listeners accept attachment from this Route, the Route MUST be considered detached from the Gateway. Support: Core

        :schema: HttpRouteSpecParentRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__babc9ec6865a4a353c4a27199ea09783f927de2004b61242837b2206100af783)
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

        :schema: HttpRouteSpecParentRefs#name
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

        :schema: HttpRouteSpecParentRefs#group
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

        :schema: HttpRouteSpecParentRefs#kind
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

        Support: Core

        :schema: HttpRouteSpecParentRefs#namespace
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

        :schema: HttpRouteSpecParentRefs#port
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

        :schema: HttpRouteSpecParentRefs#sectionName
        '''
        result = self._values.get("section_name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecParentRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRules",
    jsii_struct_bases=[],
    name_mapping={
        "backend_refs": "backendRefs",
        "filters": "filters",
        "matches": "matches",
        "name": "name",
        "timeouts": "timeouts",
    },
)
class HttpRouteSpecRules:
    def __init__(
        self,
        *,
        backend_refs: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
        filters: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesFilters", typing.Dict[builtins.str, typing.Any]]]] = None,
        matches: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesMatches", typing.Dict[builtins.str, typing.Any]]]] = None,
        name: typing.Optional[builtins.str] = None,
        timeouts: typing.Optional[typing.Union["HttpRouteSpecRulesTimeouts", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''HTTPRouteRule defines semantics for matching an HTTP request based on conditions (matches), processing it (filters), and forwarding the request to an API object (backendRefs).

        :param backend_refs: BackendRefs defines the backend(s) where matching requests should be sent. Failure behavior here depends on how many BackendRefs are specified and how many are invalid. If *all* entries in BackendRefs are invalid, and there are also no filters specified in this route rule, *all* traffic which matches this rule MUST receive a 500 status code. See the HTTPBackendRef definition for the rules about what makes a single HTTPBackendRef invalid. When a HTTPBackendRef is invalid, 500 status codes MUST be returned for requests that would have otherwise been routed to an invalid backend. If multiple backends are specified, and some are invalid, the proportion of requests that would otherwise have been routed to an invalid backend MUST receive a 500 status code. For example, if two backends are specified with equal weights, and one is invalid, 50 percent of traffic must receive a 500. Implementations may choose how that 50 percent is determined. When a HTTPBackendRef refers to a Service that has no ready endpoints, implementations SHOULD return a 503 for requests to that backend instead. If an implementation chooses to do this, all of the above rules for 500 responses MUST also apply for responses that return a 503. Support: Core for Kubernetes Service Support: Extended for Kubernetes ServiceImport Support: Implementation-specific for any other resource Support for weight: Core
        :param filters: Filters define the filters that are applied to requests that match this rule. Wherever possible, implementations SHOULD implement filters in the order they are specified. Implementations MAY choose to implement this ordering strictly, rejecting any combination or order of filters that cannot be supported. If implementations choose a strict interpretation of filter ordering, they MUST clearly document that behavior. To reject an invalid combination or order of filters, implementations SHOULD consider the Route Rules with this configuration invalid. If all Route Rules in a Route are invalid, the entire Route would be considered invalid. If only a portion of Route Rules are invalid, implementations MUST set the "PartiallyInvalid" condition for the Route. Conformance-levels at this level are defined based on the type of filter: - ALL core filters MUST be supported by all implementations. - Implementers are encouraged to support extended filters. - Implementation-specific custom filters have no API guarantees across implementations. Specifying the same filter multiple times is not supported unless explicitly indicated in the filter. All filters are expected to be compatible with each other except for the URLRewrite and RequestRedirect filters, which may not be combined. If an implementation cannot support other combinations of filters, they must clearly document that limitation. In cases where incompatible or unsupported filters are specified and cause the ``Accepted`` condition to be set to status ``False``, implementations may use the ``IncompatibleFilters`` reason to specify this configuration error. Support: Core
        :param matches: Matches define conditions used for matching the rule against incoming HTTP requests. Each match is independent, i.e. this rule will be matched if **any** one of the matches is satisfied. For example, take the following matches configuration:: matches: - path: value: "/foo" headers: - name: "version" value: "v2" - path: value: "/v2/foo" For a request to match against this rule, a request must satisfy EITHER of the two conditions: - path prefixed with ``/foo`` AND contains the header ``version: v2`` - path prefix of ``/v2/foo`` See the documentation for HTTPRouteMatch on how to specify multiple match conditions that should be ANDed together. If no matches are specified, the default is a prefix path match on "/", which has the effect of matching every HTTP request. Proxy or Load Balancer routing configuration generated from HTTPRoutes MUST prioritize matches based on the following criteria, continuing on ties. Across all rules specified on applicable Routes, precedence must be given to the match having: - "Exact" path match. - "Prefix" path match with largest number of characters. - Method match. - Largest number of header matches. - Largest number of query param matches. Note: The precedence of RegularExpression path matches are implementation-specific. If ties still exist across multiple Routes, matching precedence MUST be determined in order of the following criteria, continuing on ties: - The oldest Route based on creation timestamp. - The Route appearing first in alphabetical order by "{namespace}/{name}". If ties still exist within an HTTPRoute, matching precedence MUST be granted to the FIRST matching rule (in list order) with a match meeting the above criteria. When no rules matching a request have been successfully attached to the parent a request is coming from, a HTTP 404 status code MUST be returned.
        :param name: Name is the name of the route rule. This name MUST be unique within a Route if it is set. Support: Extended
        :param timeouts: Timeouts defines the timeouts that can be configured for an HTTP request. Support: Extended

        :schema: HttpRouteSpecRules
        '''
        if isinstance(timeouts, dict):
            timeouts = HttpRouteSpecRulesTimeouts(**timeouts)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2680cddb1f495260a1fdc63cb39a2e2d18d2b10cb6113dce2f9cdb3e573ccd39)
            check_type(argname="argument backend_refs", value=backend_refs, expected_type=type_hints["backend_refs"])
            check_type(argname="argument filters", value=filters, expected_type=type_hints["filters"])
            check_type(argname="argument matches", value=matches, expected_type=type_hints["matches"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument timeouts", value=timeouts, expected_type=type_hints["timeouts"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if backend_refs is not None:
            self._values["backend_refs"] = backend_refs
        if filters is not None:
            self._values["filters"] = filters
        if matches is not None:
            self._values["matches"] = matches
        if name is not None:
            self._values["name"] = name
        if timeouts is not None:
            self._values["timeouts"] = timeouts

    @builtins.property
    def backend_refs(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefs"]]:
        '''BackendRefs defines the backend(s) where matching requests should be sent.

        Failure behavior here depends on how many BackendRefs are specified and
        how many are invalid.

        If *all* entries in BackendRefs are invalid, and there are also no filters
        specified in this route rule, *all* traffic which matches this rule MUST
        receive a 500 status code.

        See the HTTPBackendRef definition for the rules about what makes a single
        HTTPBackendRef invalid.

        When a HTTPBackendRef is invalid, 500 status codes MUST be returned for
        requests that would have otherwise been routed to an invalid backend. If
        multiple backends are specified, and some are invalid, the proportion of
        requests that would otherwise have been routed to an invalid backend
        MUST receive a 500 status code.

        For example, if two backends are specified with equal weights, and one is
        invalid, 50 percent of traffic must receive a 500. Implementations may
        choose how that 50 percent is determined.

        When a HTTPBackendRef refers to a Service that has no ready endpoints,
        implementations SHOULD return a 503 for requests to that backend instead.
        If an implementation chooses to do this, all of the above rules for 500 responses
        MUST also apply for responses that return a 503.

        Support: Core for Kubernetes Service

        Support: Extended for Kubernetes ServiceImport

        Support: Implementation-specific for any other resource

        Support for weight: Core

        :schema: HttpRouteSpecRules#backendRefs
        '''
        result = self._values.get("backend_refs")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefs"]], result)

    @builtins.property
    def filters(self) -> typing.Optional[typing.List["HttpRouteSpecRulesFilters"]]:
        '''Filters define the filters that are applied to requests that match this rule.

        Wherever possible, implementations SHOULD implement filters in the order
        they are specified.

        Implementations MAY choose to implement this ordering strictly, rejecting
        any combination or order of filters that cannot be supported. If implementations
        choose a strict interpretation of filter ordering, they MUST clearly document
        that behavior.

        To reject an invalid combination or order of filters, implementations SHOULD
        consider the Route Rules with this configuration invalid. If all Route Rules
        in a Route are invalid, the entire Route would be considered invalid. If only
        a portion of Route Rules are invalid, implementations MUST set the
        "PartiallyInvalid" condition for the Route.

        Conformance-levels at this level are defined based on the type of filter:

        - ALL core filters MUST be supported by all implementations.
        - Implementers are encouraged to support extended filters.
        - Implementation-specific custom filters have no API guarantees across
          implementations.

        Specifying the same filter multiple times is not supported unless explicitly
        indicated in the filter.

        All filters are expected to be compatible with each other except for the
        URLRewrite and RequestRedirect filters, which may not be combined. If an
        implementation cannot support other combinations of filters, they must clearly
        document that limitation. In cases where incompatible or unsupported
        filters are specified and cause the ``Accepted`` condition to be set to status
        ``False``, implementations may use the ``IncompatibleFilters`` reason to specify
        this configuration error.

        Support: Core

        :schema: HttpRouteSpecRules#filters
        '''
        result = self._values.get("filters")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFilters"]], result)

    @builtins.property
    def matches(self) -> typing.Optional[typing.List["HttpRouteSpecRulesMatches"]]:
        '''Matches define conditions used for matching the rule against incoming HTTP requests.

        Each match is independent, i.e. this rule will be matched
        if **any** one of the matches is satisfied.

        For example, take the following matches configuration::

           matches:
           - path:
           value: "/foo"
           headers:
           - name: "version"
           value: "v2"
           - path:
           value: "/v2/foo"

        For a request to match against this rule, a request must satisfy
        EITHER of the two conditions:

        - path prefixed with ``/foo`` AND contains the header ``version: v2``
        - path prefix of ``/v2/foo``

        See the documentation for HTTPRouteMatch on how to specify multiple
        match conditions that should be ANDed together.

        If no matches are specified, the default is a prefix
        path match on "/", which has the effect of matching every
        HTTP request.

        Proxy or Load Balancer routing configuration generated from HTTPRoutes
        MUST prioritize matches based on the following criteria, continuing on
        ties. Across all rules specified on applicable Routes, precedence must be
        given to the match having:

        - "Exact" path match.
        - "Prefix" path match with largest number of characters.
        - Method match.
        - Largest number of header matches.
        - Largest number of query param matches.

        Note: The precedence of RegularExpression path matches are implementation-specific.

        If ties still exist across multiple Routes, matching precedence MUST be
        determined in order of the following criteria, continuing on ties:

        - The oldest Route based on creation timestamp.
        - The Route appearing first in alphabetical order by
          "{namespace}/{name}".

        If ties still exist within an HTTPRoute, matching precedence MUST be granted
        to the FIRST matching rule (in list order) with a match meeting the above
        criteria.

        When no rules matching a request have been successfully attached to the
        parent a request is coming from, a HTTP 404 status code MUST be returned.

        :schema: HttpRouteSpecRules#matches
        '''
        result = self._values.get("matches")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesMatches"]], result)

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Name is the name of the route rule.

        This name MUST be unique within a Route if it is set.

        Support: Extended

        :schema: HttpRouteSpecRules#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def timeouts(self) -> typing.Optional["HttpRouteSpecRulesTimeouts"]:
        '''Timeouts defines the timeouts that can be configured for an HTTP request.

        Support: Extended

        :schema: HttpRouteSpecRules#timeouts
        '''
        result = self._values.get("timeouts")
        return typing.cast(typing.Optional["HttpRouteSpecRulesTimeouts"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRules(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefs",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "filters": "filters",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
        "port": "port",
        "weight": "weight",
    },
)
class HttpRouteSpecRulesBackendRefs:
    def __init__(
        self,
        *,
        name: builtins.str,
        filters: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefsFilters", typing.Dict[builtins.str, typing.Any]]]] = None,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        port: typing.Optional[jsii.Number] = None,
        weight: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''HTTPBackendRef defines how a HTTPRoute forwards a HTTP request.

        Note that when a namespace different than the local namespace is specified, a
        ReferenceGrant object is required in the referent namespace to allow that
        namespace's owner to accept the reference. See the ReferenceGrant
        documentation for details.

        :param name: Name is the name of the referent.
        :param filters: Filters defined at this level should be executed if and only if the request is being forwarded to the backend defined here. Support: Implementation-specific (For broader support of filters, use the Filters field in HTTPRouteRule.)
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is the Kubernetes resource kind of the referent. For example "Service". Defaults to "Service" when not specified. ExternalName services can refer to CNAME DNS records that may live outside of the cluster and as such are difficult to reason about in terms of conformance. They also may not be safe to forward to (see CVE-2021-25740 for more information). Implementations SHOULD NOT support ExternalName Services. Support: Core (Services with a type other than ExternalName) Support: Implementation-specific (Services with type ExternalName) Default: Service" when not specified.
        :param namespace: Namespace is the namespace of the backend. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core
        :param port: Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service. In this case, the port number is the service port number, not the target port. For other resources, destination port might be derived from the referent resource or this field.
        :param weight: Weight specifies the proportion of requests forwarded to the referenced backend. This is computed as weight/(sum of all weights in this BackendRefs list). For non-zero values, there may be some epsilon from the exact proportion defined here depending on the precision an implementation supports. Weight is not a percentage and the sum of weights does not need to equal 100. If only one backend is specified and it has a weight greater than 0, 100% of the traffic is forwarded to that backend. If weight is set to 0, no traffic should be forwarded for this entry. If unspecified, weight defaults to 1. Support for this field varies based on the context where used.

        :schema: HttpRouteSpecRulesBackendRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4bede1c3690071f630dcaec89bf169c2a4002e00595bb6a57493140c2b3ec973)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument filters", value=filters, expected_type=type_hints["filters"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument weight", value=weight, expected_type=type_hints["weight"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if filters is not None:
            self._values["filters"] = filters
        if group is not None:
            self._values["group"] = group
        if kind is not None:
            self._values["kind"] = kind
        if namespace is not None:
            self._values["namespace"] = namespace
        if port is not None:
            self._values["port"] = port
        if weight is not None:
            self._values["weight"] = weight

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: HttpRouteSpecRulesBackendRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def filters(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFilters"]]:
        '''Filters defined at this level should be executed if and only if the request is being forwarded to the backend defined here.

        Support: Implementation-specific (For broader support of filters, use the
        Filters field in HTTPRouteRule.)

        :schema: HttpRouteSpecRulesBackendRefs#filters
        '''
        result = self._values.get("filters")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFilters"]], result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: HttpRouteSpecRulesBackendRefs#group
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

        :schema: HttpRouteSpecRulesBackendRefs#kind
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

        :schema: HttpRouteSpecRulesBackendRefs#namespace
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

        :schema: HttpRouteSpecRulesBackendRefs#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def weight(self) -> typing.Optional[jsii.Number]:
        '''Weight specifies the proportion of requests forwarded to the referenced backend.

        This is computed as weight/(sum of all weights in this
        BackendRefs list). For non-zero values, there may be some epsilon from
        the exact proportion defined here depending on the precision an
        implementation supports. Weight is not a percentage and the sum of
        weights does not need to equal 100.

        If only one backend is specified and it has a weight greater than 0, 100%
        of the traffic is forwarded to that backend. If weight is set to 0, no
        traffic should be forwarded for this entry. If unspecified, weight
        defaults to 1.

        Support for this field varies based on the context where used.

        :schema: HttpRouteSpecRulesBackendRefs#weight
        '''
        result = self._values.get("weight")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFilters",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "cors": "cors",
        "extension_ref": "extensionRef",
        "request_header_modifier": "requestHeaderModifier",
        "request_mirror": "requestMirror",
        "request_redirect": "requestRedirect",
        "response_header_modifier": "responseHeaderModifier",
        "url_rewrite": "urlRewrite",
    },
)
class HttpRouteSpecRulesBackendRefsFilters:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesBackendRefsFiltersType",
        cors: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersCors", typing.Dict[builtins.str, typing.Any]]] = None,
        extension_ref: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersExtensionRef", typing.Dict[builtins.str, typing.Any]]] = None,
        request_header_modifier: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier", typing.Dict[builtins.str, typing.Any]]] = None,
        request_mirror: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestMirror", typing.Dict[builtins.str, typing.Any]]] = None,
        request_redirect: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestRedirect", typing.Dict[builtins.str, typing.Any]]] = None,
        response_header_modifier: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier", typing.Dict[builtins.str, typing.Any]]] = None,
        url_rewrite: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersUrlRewrite", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''HTTPRouteFilter defines processing steps that must be completed during the request or response lifecycle.

        HTTPRouteFilters are meant as an extension
        point to express processing that may be done in Gateway implementations. Some
        examples include request or response modification, implementing
        authentication strategies, rate-limiting, and traffic shaping. API
        guarantee/conformance is defined based on the type of the filter.

        :param type: Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:. - Core: Filter types and their corresponding configuration defined by "Support: Core" in this package, e.g. "RequestHeaderModifier". All implementations must support core filters. - Extended: Filter types and their corresponding configuration defined by "Support: Extended" in this package, e.g. "RequestMirror". Implementers are encouraged to support extended filters. - Implementation-specific: Filters that are defined and supported by specific vendors. In the future, filters showing convergence in behavior across multiple implementations will be considered for inclusion in extended or core conformance levels. Filter-specific configuration for such filters is specified using the ExtensionRef field. ``Type`` should be set to "ExtensionRef" for custom filters. Implementers are encouraged to define custom implementation types to extend the core API with implementation-specific behavior. If a reference to a custom filter type cannot be resolved, the filter MUST NOT be skipped. Instead, requests that would have been processed by that filter MUST receive a HTTP error response. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param cors: CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header. Support: Extended
        :param extension_ref: ExtensionRef is an optional, implementation-specific extension to the "filter" behavior. For example, resource "myroutefilter" in group "networking.example.net"). ExtensionRef MUST NOT be used for core and extended filters. This filter can be used multiple times within the same rule. Support: Implementation-specific
        :param request_header_modifier: RequestHeaderModifier defines a schema for a filter that modifies request headers. Support: Core
        :param request_mirror: RequestMirror defines a schema for a filter that mirrors requests. Requests are sent to the specified destination, but responses from that destination are ignored. This filter can be used multiple times within the same rule. Note that not all implementations will be able to support mirroring to multiple backends. Support: Extended
        :param request_redirect: RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection. Support: Core
        :param response_header_modifier: ResponseHeaderModifier defines a schema for a filter that modifies response headers. Support: Extended
        :param url_rewrite: URLRewrite defines a schema for a filter that modifies a request during forwarding. Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFilters
        '''
        if isinstance(cors, dict):
            cors = HttpRouteSpecRulesBackendRefsFiltersCors(**cors)
        if isinstance(extension_ref, dict):
            extension_ref = HttpRouteSpecRulesBackendRefsFiltersExtensionRef(**extension_ref)
        if isinstance(request_header_modifier, dict):
            request_header_modifier = HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier(**request_header_modifier)
        if isinstance(request_mirror, dict):
            request_mirror = HttpRouteSpecRulesBackendRefsFiltersRequestMirror(**request_mirror)
        if isinstance(request_redirect, dict):
            request_redirect = HttpRouteSpecRulesBackendRefsFiltersRequestRedirect(**request_redirect)
        if isinstance(response_header_modifier, dict):
            response_header_modifier = HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier(**response_header_modifier)
        if isinstance(url_rewrite, dict):
            url_rewrite = HttpRouteSpecRulesBackendRefsFiltersUrlRewrite(**url_rewrite)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__e8ce4d7db9ed5a09adf7b240fd69ec7c9a60cf988f380f6c7c43ae8628509dc4)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument cors", value=cors, expected_type=type_hints["cors"])
            check_type(argname="argument extension_ref", value=extension_ref, expected_type=type_hints["extension_ref"])
            check_type(argname="argument request_header_modifier", value=request_header_modifier, expected_type=type_hints["request_header_modifier"])
            check_type(argname="argument request_mirror", value=request_mirror, expected_type=type_hints["request_mirror"])
            check_type(argname="argument request_redirect", value=request_redirect, expected_type=type_hints["request_redirect"])
            check_type(argname="argument response_header_modifier", value=response_header_modifier, expected_type=type_hints["response_header_modifier"])
            check_type(argname="argument url_rewrite", value=url_rewrite, expected_type=type_hints["url_rewrite"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if cors is not None:
            self._values["cors"] = cors
        if extension_ref is not None:
            self._values["extension_ref"] = extension_ref
        if request_header_modifier is not None:
            self._values["request_header_modifier"] = request_header_modifier
        if request_mirror is not None:
            self._values["request_mirror"] = request_mirror
        if request_redirect is not None:
            self._values["request_redirect"] = request_redirect
        if response_header_modifier is not None:
            self._values["response_header_modifier"] = response_header_modifier
        if url_rewrite is not None:
            self._values["url_rewrite"] = url_rewrite

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesBackendRefsFiltersType":
        '''Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:.

        - Core: Filter types and their corresponding configuration defined by
          "Support: Core" in this package, e.g. "RequestHeaderModifier". All
          implementations must support core filters.
        - Extended: Filter types and their corresponding configuration defined by
          "Support: Extended" in this package, e.g. "RequestMirror". Implementers
          are encouraged to support extended filters.
        - Implementation-specific: Filters that are defined and supported by
          specific vendors.
          In the future, filters showing convergence in behavior across multiple
          implementations will be considered for inclusion in extended or core
          conformance levels. Filter-specific configuration for such filters
          is specified using the ExtensionRef field. ``Type`` should be set to
          "ExtensionRef" for custom filters.

        Implementers are encouraged to define custom implementation types to
        extend the core API with implementation-specific behavior.

        If a reference to a custom filter type cannot be resolved, the filter
        MUST NOT be skipped. Instead, requests that would have been processed by
        that filter MUST receive a HTTP error response.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesBackendRefsFilters#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesBackendRefsFiltersType", result)

    @builtins.property
    def cors(self) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersCors"]:
        '''CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFilters#cors
        '''
        result = self._values.get("cors")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersCors"], result)

    @builtins.property
    def extension_ref(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersExtensionRef"]:
        '''ExtensionRef is an optional, implementation-specific extension to the "filter" behavior.

        For example, resource "myroutefilter" in group
        "networking.example.net"). ExtensionRef MUST NOT be used for core and
        extended filters.

        This filter can be used multiple times within the same rule.

        Support: Implementation-specific

        :schema: HttpRouteSpecRulesBackendRefsFilters#extensionRef
        '''
        result = self._values.get("extension_ref")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersExtensionRef"], result)

    @builtins.property
    def request_header_modifier(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier"]:
        '''RequestHeaderModifier defines a schema for a filter that modifies request headers.

        Support: Core

        :schema: HttpRouteSpecRulesBackendRefsFilters#requestHeaderModifier
        '''
        result = self._values.get("request_header_modifier")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier"], result)

    @builtins.property
    def request_mirror(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestMirror"]:
        '''RequestMirror defines a schema for a filter that mirrors requests.

        Requests are sent to the specified destination, but responses from
        that destination are ignored.

        This filter can be used multiple times within the same rule. Note that
        not all implementations will be able to support mirroring to multiple
        backends.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFilters#requestMirror
        '''
        result = self._values.get("request_mirror")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestMirror"], result)

    @builtins.property
    def request_redirect(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirect"]:
        '''RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.

        Support: Core

        :schema: HttpRouteSpecRulesBackendRefsFilters#requestRedirect
        '''
        result = self._values.get("request_redirect")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirect"], result)

    @builtins.property
    def response_header_modifier(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier"]:
        '''ResponseHeaderModifier defines a schema for a filter that modifies response headers.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFilters#responseHeaderModifier
        '''
        result = self._values.get("response_header_modifier")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier"], result)

    @builtins.property
    def url_rewrite(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersUrlRewrite"]:
        '''URLRewrite defines a schema for a filter that modifies a request during forwarding.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFilters#urlRewrite
        '''
        result = self._values.get("url_rewrite")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersUrlRewrite"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFilters(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersCors",
    jsii_struct_bases=[],
    name_mapping={
        "allow_credentials": "allowCredentials",
        "allow_headers": "allowHeaders",
        "allow_methods": "allowMethods",
        "allow_origins": "allowOrigins",
        "expose_headers": "exposeHeaders",
        "max_age": "maxAge",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersCors:
    def __init__(
        self,
        *,
        allow_credentials: typing.Optional[builtins.bool] = None,
        allow_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
        allow_methods: typing.Optional[typing.Sequence["HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods"]] = None,
        allow_origins: typing.Optional[typing.Sequence[builtins.str]] = None,
        expose_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
        max_age: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header.

        Support: Extended

        :param allow_credentials: AllowCredentials indicates whether the actual cross-origin request allows to include credentials. When set to true, the gateway will include the ``Access-Control-Allow-Credentials`` response header with value true (case-sensitive). When set to false or omitted the gateway will omit the header ``Access-Control-Allow-Credentials`` entirely (this is the standard CORS behavior). Support: Extended
        :param allow_headers: AllowHeaders indicates which HTTP request headers are supported for accessing the requested resource. Header names are not case-sensitive. Multiple header names in the value of the ``Access-Control-Allow-Headers`` response header are separated by a comma (","). When the ``allowHeaders`` field is configured with one or more headers, the gateway must return the ``Access-Control-Allow-Headers`` response header which value is present in the ``allowHeaders`` field. If any header name in the ``Access-Control-Request-Headers`` request header is not included in the list of header names specified by the response header ``Access-Control-Allow-Headers``, it will present an error on the client side. If any header name in the ``Access-Control-Allow-Headers`` response header does not recognize by the client, it will also occur an error on the client side. A wildcard indicates that the requests with all HTTP headers are allowed. If the configuration contains the wildcard ``*`` in ``allowHeaders`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Headers`` response header may either contain the wildcard ``*`` or echo the value of the ``Access-Control-Request-Headers`` request header. If the configuration contains the wildcard ``*`` in ``allowHeaders`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Headers`` response header. Instead, it must return one or more header names matching the value of the ``Access-Control-Request-Headers`` request header. If the ``Access-Control-Request-Headers`` header is not present in the request, the gateway must omit the ``Access-Control-Allow-Headers`` response header. Support: Extended
        :param allow_methods: AllowMethods indicates which HTTP methods are supported for accessing the requested resource. Valid values are any method defined by RFC9110, along with the special value ``*``, which represents all HTTP methods are allowed. Method names are case-sensitive, so these values are also case-sensitive. (See https://www.rfc-editor.org/rfc/rfc2616#section-5.1.1) Multiple method names in the value of the ``Access-Control-Allow-Methods`` response header are separated by a comma (","). A CORS-safelisted method is a method that is ``GET``, ``HEAD``, or ``POST``. (See https://fetch.spec.whatwg.org/#cors-safelisted-method) The CORS-safelisted methods are always allowed, regardless of whether they are specified in the ``allowMethods`` field. When the ``allowMethods`` field is configured with one or more methods, the gateway must return the ``Access-Control-Allow-Methods`` response header which value is present in the ``allowMethods`` field. If the HTTP method of the ``Access-Control-Request-Method`` request header is not included in the list of methods specified by the response header ``Access-Control-Allow-Methods``, it will present an error on the client side. If the configuration contains the wildcard ``*`` in ``allowMethods`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Methods`` response header may either contain the wildcard ``*`` or echo the value of the ``Access-Control-Request-Method`` request header. If the configuration contains the wildcard ``*`` in ``allowMethods`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Methods`` response header. Instead, it must return a single HTTP method matching the value of the ``Access-Control-Request-Method`` request header. If the ``Access-Control-Request-Method`` header is not present in the request, the gateway must omit the ``Access-Control-Allow-Methods`` response header. Support: Extended
        :param allow_origins: AllowOrigins indicates whether the response can be shared with requested resource from the given ``Origin``. The ``Origin`` consists of a scheme and a host, with an optional port, and takes the form ``<scheme>://<host>(:<port>)``. Valid values for scheme are: ``http`` and ``https``. Valid values for port are any integer between 1 and 65535 (the list of available TCP/UDP ports). Note that, if not included, port ``80`` is assumed for ``http`` scheme origins, and port ``443`` is assumed for ``https`` origins. This may affect origin matching. The host part of the origin may contain the wildcard character ``*``. These wildcard characters behave as follows: - ``*`` is a greedy match to the *left*, including any number of DNS labels to the left of its position. This also means that ``*`` will include any number of period ``.`` characters to the left of its position. - A wildcard by itself matches all hosts. An origin value that includes *only* the ``*`` character indicates requests from all ``Origin``s are allowed. When the ``allowOrigins`` field is configured with multiple origins, it means the server supports clients from multiple origins. If the request ``Origin`` matches the configured allowed origins, the gateway must return the given ``Origin`` and sets value of the header ``Access-Control-Allow-Origin`` same as the ``Origin`` header provided by the client. The status code of a successful response to a "preflight" request is always an OK status (i.e., 204 or 200). If the request ``Origin`` does not match the configured allowed origins, the gateway returns 204/200 response but doesn't set the relevant cross-origin response headers. Alternatively, the gateway responds with 403 status to the "preflight" request is denied, coupled with omitting the CORS headers. The cross-origin request fails on the client side. Therefore, the client doesn't attempt the actual cross-origin request. Conversely, if the request ``Origin`` matches one of the configured allowed origins, the gateway sets the response header ``Access-Control-Allow-Origin`` to the same value as the ``Origin`` header provided by the client. If the configuration contains the wildcard ``*`` in ``allowOrigins`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Origin`` response header may either contain the wildcard ``*`` or echo the value of the ``Origin`` request header. If the configuration contains the wildcard ``*`` in ``allowOrigins`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Origin`` response header. Instead, it must return a single origin matching the value of the ``Origin`` request header. Support: Extended
        :param expose_headers: ExposeHeaders indicates which HTTP response headers can be exposed to client-side scripts in response to a cross-origin request. A CORS-safelisted response header is an HTTP header in a CORS response that it is considered safe to expose to the client scripts. The CORS-safelisted response headers include the following headers: ``Cache-Control`` ``Content-Language`` ``Content-Length`` ``Content-Type`` ``Expires`` ``Last-Modified`` ``Pragma`` (See https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name) The CORS-safelisted response headers are exposed to client by default. When an HTTP header name is specified using the ``exposeHeaders`` field, this additional header will be exposed as part of the response to the client. Header names are not case-sensitive. Multiple header names in the value of the ``Access-Control-Expose-Headers`` response header are separated by a comma (","). A wildcard indicates that the responses with all HTTP headers are exposed to clients. If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Expose-Headers`` response header can contain the wildcard ``*``. If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and ``allowCredentials`` is set to ``true``, the gateway cannot use the ``*`` in the ``Access-Control-Expose-Headers`` response header. Support: Extended
        :param max_age: MaxAge indicates the duration (in seconds) for the client to cache the results of a "preflight" request. The information provided by the ``Access-Control-Allow-Methods`` and ``Access-Control-Allow-Headers`` response headers can be cached by the client until the time specified by ``Access-Control-Max-Age`` elapses. The default value of ``Access-Control-Max-Age`` response header is 5 (seconds). When the ``MaxAge`` field is unspecified, the gateway sets the response header "Access-Control-Max-Age: 5" by default.

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5762495210b8265478e614a753fe9a5f7a67630349958aa7379907bfccea636a)
            check_type(argname="argument allow_credentials", value=allow_credentials, expected_type=type_hints["allow_credentials"])
            check_type(argname="argument allow_headers", value=allow_headers, expected_type=type_hints["allow_headers"])
            check_type(argname="argument allow_methods", value=allow_methods, expected_type=type_hints["allow_methods"])
            check_type(argname="argument allow_origins", value=allow_origins, expected_type=type_hints["allow_origins"])
            check_type(argname="argument expose_headers", value=expose_headers, expected_type=type_hints["expose_headers"])
            check_type(argname="argument max_age", value=max_age, expected_type=type_hints["max_age"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if allow_credentials is not None:
            self._values["allow_credentials"] = allow_credentials
        if allow_headers is not None:
            self._values["allow_headers"] = allow_headers
        if allow_methods is not None:
            self._values["allow_methods"] = allow_methods
        if allow_origins is not None:
            self._values["allow_origins"] = allow_origins
        if expose_headers is not None:
            self._values["expose_headers"] = expose_headers
        if max_age is not None:
            self._values["max_age"] = max_age

    @builtins.property
    def allow_credentials(self) -> typing.Optional[builtins.bool]:
        '''AllowCredentials indicates whether the actual cross-origin request allows to include credentials.

        When set to true, the gateway will include the ``Access-Control-Allow-Credentials``
        response header with value true (case-sensitive).

        When set to false or omitted the gateway will omit the header
        ``Access-Control-Allow-Credentials`` entirely (this is the standard CORS
        behavior).

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#allowCredentials
        '''
        result = self._values.get("allow_credentials")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def allow_headers(self) -> typing.Optional[typing.List[builtins.str]]:
        '''AllowHeaders indicates which HTTP request headers are supported for accessing the requested resource.

        Header names are not case-sensitive.

        Multiple header names in the value of the ``Access-Control-Allow-Headers``
        response header are separated by a comma (",").

        When the ``allowHeaders`` field is configured with one or more headers, the
        gateway must return the ``Access-Control-Allow-Headers`` response header
        which value is present in the ``allowHeaders`` field.

        If any header name in the ``Access-Control-Request-Headers`` request header
        is not included in the list of header names specified by the response
        header ``Access-Control-Allow-Headers``, it will present an error on the
        client side.

        If any header name in the ``Access-Control-Allow-Headers`` response header
        does not recognize by the client, it will also occur an error on the
        client side.

        A wildcard indicates that the requests with all HTTP headers are allowed.

        If the configuration contains the wildcard ``*`` in ``allowHeaders`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Headers``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Access-Control-Request-Headers`` request header.

        If the configuration contains the wildcard ``*`` in ``allowHeaders`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Headers`` response header. Instead, it must
        return one or more header names matching the value of the
        ``Access-Control-Request-Headers`` request header.
        If the ``Access-Control-Request-Headers`` header is not present in the
        request, the gateway must omit the ``Access-Control-Allow-Headers``
        response header.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#allowHeaders
        '''
        result = self._values.get("allow_headers")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def allow_methods(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods"]]:
        '''AllowMethods indicates which HTTP methods are supported for accessing the requested resource.

        Valid values are any method defined by RFC9110, along with the special
        value ``*``, which represents all HTTP methods are allowed.

        Method names are case-sensitive, so these values are also case-sensitive.
        (See https://www.rfc-editor.org/rfc/rfc2616#section-5.1.1)

        Multiple method names in the value of the ``Access-Control-Allow-Methods``
        response header are separated by a comma (",").

        A CORS-safelisted method is a method that is ``GET``, ``HEAD``, or ``POST``.
        (See https://fetch.spec.whatwg.org/#cors-safelisted-method) The
        CORS-safelisted methods are always allowed, regardless of whether they
        are specified in the ``allowMethods`` field.

        When the ``allowMethods`` field is configured with one or more methods, the
        gateway must return the ``Access-Control-Allow-Methods`` response header
        which value is present in the ``allowMethods`` field.

        If the HTTP method of the ``Access-Control-Request-Method`` request header
        is not included in the list of methods specified by the response header
        ``Access-Control-Allow-Methods``, it will present an error on the client
        side.

        If the configuration contains the wildcard ``*`` in ``allowMethods`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Methods``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Access-Control-Request-Method`` request header.

        If the configuration contains the wildcard ``*`` in ``allowMethods`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Methods`` response header. Instead, it must
        return a single HTTP method matching the value of the
        ``Access-Control-Request-Method`` request header.
        If the ``Access-Control-Request-Method`` header is not present in the request,
        the gateway must omit the ``Access-Control-Allow-Methods`` response header.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#allowMethods
        '''
        result = self._values.get("allow_methods")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods"]], result)

    @builtins.property
    def allow_origins(self) -> typing.Optional[typing.List[builtins.str]]:
        '''AllowOrigins indicates whether the response can be shared with requested resource from the given ``Origin``.

        The ``Origin`` consists of a scheme and a host, with an optional port, and
        takes the form ``<scheme>://<host>(:<port>)``.

        Valid values for scheme are: ``http`` and ``https``.

        Valid values for port are any integer between 1 and 65535 (the list of
        available TCP/UDP ports). Note that, if not included, port ``80`` is
        assumed for ``http`` scheme origins, and port ``443`` is assumed for ``https``
        origins. This may affect origin matching.

        The host part of the origin may contain the wildcard character ``*``. These
        wildcard characters behave as follows:

        - ``*`` is a greedy match to the *left*, including any number of
          DNS labels to the left of its position. This also means that
          ``*`` will include any number of period ``.`` characters to the
          left of its position.
        - A wildcard by itself matches all hosts.

        An origin value that includes *only* the ``*`` character indicates requests
        from all ``Origin``s are allowed.

        When the ``allowOrigins`` field is configured with multiple origins, it
        means the server supports clients from multiple origins. If the request
        ``Origin`` matches the configured allowed origins, the gateway must return
        the given ``Origin`` and sets value of the header
        ``Access-Control-Allow-Origin`` same as the ``Origin`` header provided by the
        client.

        The status code of a successful response to a "preflight" request is
        always an OK status (i.e., 204 or 200).

        If the request ``Origin`` does not match the configured allowed origins,
        the gateway returns 204/200 response but doesn't set the relevant
        cross-origin response headers. Alternatively, the gateway responds with
        403 status to the "preflight" request is denied, coupled with omitting
        the CORS headers. The cross-origin request fails on the client side.
        Therefore, the client doesn't attempt the actual cross-origin request.

        Conversely, if the request ``Origin`` matches one of the configured
        allowed origins, the gateway sets the response header
        ``Access-Control-Allow-Origin`` to the same value as the ``Origin``
        header provided by the client.

        If the configuration contains the wildcard ``*`` in ``allowOrigins`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Origin``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Origin`` request header.

        If the configuration contains the wildcard ``*`` in ``allowOrigins`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Origin`` response header. Instead, it must
        return a single origin matching the value of the ``Origin`` request header.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#allowOrigins
        '''
        result = self._values.get("allow_origins")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def expose_headers(self) -> typing.Optional[typing.List[builtins.str]]:
        '''ExposeHeaders indicates which HTTP response headers can be exposed to client-side scripts in response to a cross-origin request.

        A CORS-safelisted response header is an HTTP header in a CORS response
        that it is considered safe to expose to the client scripts.
        The CORS-safelisted response headers include the following headers:
        ``Cache-Control``
        ``Content-Language``
        ``Content-Length``
        ``Content-Type``
        ``Expires``
        ``Last-Modified``
        ``Pragma``
        (See https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)
        The CORS-safelisted response headers are exposed to client by default.

        When an HTTP header name is specified using the ``exposeHeaders`` field,
        this additional header will be exposed as part of the response to the
        client.

        Header names are not case-sensitive.

        Multiple header names in the value of the ``Access-Control-Expose-Headers``
        response header are separated by a comma (",").

        A wildcard indicates that the responses with all HTTP headers are exposed
        to clients.

        If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Expose-Headers``
        response header can contain the wildcard ``*``.

        If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and
        ``allowCredentials`` is set to ``true``, the gateway cannot use the ``*``
        in the ``Access-Control-Expose-Headers`` response header.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#exposeHeaders
        '''
        result = self._values.get("expose_headers")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def max_age(self) -> typing.Optional[jsii.Number]:
        '''MaxAge indicates the duration (in seconds) for the client to cache the results of a "preflight" request.

        The information provided by the ``Access-Control-Allow-Methods`` and
        ``Access-Control-Allow-Headers`` response headers can be cached by the
        client until the time specified by ``Access-Control-Max-Age`` elapses.

        The default value of ``Access-Control-Max-Age`` response header is 5
        (seconds).

        When the ``MaxAge`` field is unspecified, the gateway sets the response
        header "Access-Control-Max-Age: 5" by default.

        :schema: HttpRouteSpecRulesBackendRefsFiltersCors#maxAge
        '''
        result = self._values.get("max_age")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersCors(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods"
)
class HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods(enum.Enum):
    '''
    :schema: HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods
    '''

    GET = "GET"
    '''GET.'''
    HEAD = "HEAD"
    '''HEAD.'''
    POST = "POST"
    '''POST.'''
    PUT = "PUT"
    '''PUT.'''
    DELETE = "DELETE"
    '''DELETE.'''
    CONNECT = "CONNECT"
    '''CONNECT.'''
    OPTIONS = "OPTIONS"
    '''OPTIONS.'''
    TRACE = "TRACE"
    '''TRACE.'''
    PATCH = "PATCH"
    '''PATCH.'''
    VALUE_ASTERISK = "VALUE_ASTERISK"
    '''*.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersExtensionRef",
    jsii_struct_bases=[],
    name_mapping={"group": "group", "kind": "kind", "name": "name"},
)
class HttpRouteSpecRulesBackendRefsFiltersExtensionRef:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
    ) -> None:
        '''ExtensionRef is an optional, implementation-specific extension to the "filter" behavior.

        For example, resource "myroutefilter" in group
        "networking.example.net"). ExtensionRef MUST NOT be used for core and
        extended filters.

        This filter can be used multiple times within the same rule.

        Support: Implementation-specific

        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "HTTPRoute" or "Service".
        :param name: Name is the name of the referent.

        :schema: HttpRouteSpecRulesBackendRefsFiltersExtensionRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__d9a76d8e25be601eede939ecd7862920579c168a9449e4e6cefd6a8fdf524991)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: HttpRouteSpecRulesBackendRefsFiltersExtensionRef#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        For example "HTTPRoute" or "Service".

        :schema: HttpRouteSpecRulesBackendRefsFiltersExtensionRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: HttpRouteSpecRulesBackendRefsFiltersExtensionRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersExtensionRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier",
    jsii_struct_bases=[],
    name_mapping={"add": "add", "remove": "remove", "set": "set"},
)
class HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier:
    def __init__(
        self,
        *,
        add: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd", typing.Dict[builtins.str, typing.Any]]]] = None,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''RequestHeaderModifier defines a schema for a filter that modifies request headers.

        Support: Core

        :param add: Add adds the given header(s) (name, value) to the request before the action. It appends to any existing values associated with the header name. Input: GET /foo HTTP/1.1 my-header: foo Config: add: - name: "my-header" value: "bar,baz" Output: GET /foo HTTP/1.1 my-header: foo,bar,baz
        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__98d5fb0202207048d99fc7ea0a4af6f5b1f64d39042e7f36afeaca256574380f)
            check_type(argname="argument add", value=add, expected_type=type_hints["add"])
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if add is not None:
            self._values["add"] = add
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def add(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd"]]:
        '''Add adds the given header(s) (name, value) to the request before the action.

        It appends to any existing values associated
        with the header name.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        add:

        - name: "my-header"
          value: "bar,baz"

        Output:
        GET /foo HTTP/1.1
        my-header: foo,bar,baz

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier#add
        '''
        result = self._values.get("add")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd"]], result)

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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet"]]:
        '''Set overwrites the request with the given header (name, value) before the action.

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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a2181a21ecdb164f0a166cdedeb91c7559ccd7b767b69669d9f74b08bc5e28ff)
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__34a940d4fda7d3a60cc715ad1413295ca99bc1417a0e80485c55a06451f12cc3)
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestMirror",
    jsii_struct_bases=[],
    name_mapping={
        "backend_ref": "backendRef",
        "fraction": "fraction",
        "percent": "percent",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersRequestMirror:
    def __init__(
        self,
        *,
        backend_ref: typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef", typing.Dict[builtins.str, typing.Any]],
        fraction: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction", typing.Dict[builtins.str, typing.Any]]] = None,
        percent: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''RequestMirror defines a schema for a filter that mirrors requests.

        Requests are sent to the specified destination, but responses from
        that destination are ignored.

        This filter can be used multiple times within the same rule. Note that
        not all implementations will be able to support mirroring to multiple
        backends.

        Support: Extended

        :param backend_ref: BackendRef references a resource where mirrored requests are sent. Mirrored requests must be sent only to a single destination endpoint within this BackendRef, irrespective of how many endpoints are present within this BackendRef. If the referent cannot be found, this BackendRef is invalid and must be dropped from the Gateway. The controller must ensure the "ResolvedRefs" condition on the Route status is set to ``status: False`` and not configure this backend in the underlying implementation. If there is a cross-namespace reference to an *existing* object that is not allowed by a ReferenceGrant, the controller must ensure the "ResolvedRefs" condition on the Route is set to ``status: False``, with the "RefNotPermitted" reason and not configure this backend in the underlying implementation. In either error case, the Message of the ``ResolvedRefs`` Condition should be used to provide more detail about the problem. Support: Extended for Kubernetes Service Support: Implementation-specific for any other resource If the backend service requires TLS, use BackendTLSPolicy to tell the implementation to supply the TLS details to be used to connect to that backend.
        :param fraction: Fraction represents the fraction of requests that should be mirrored to BackendRef. Only one of Fraction or Percent may be specified. If neither field is specified, 100% of requests will be mirrored.
        :param percent: Percent represents the percentage of requests that should be mirrored to BackendRef. Its minimum value is 0 (indicating 0% of requests) and its maximum value is 100 (indicating 100% of requests). Only one of Fraction or Percent may be specified. If neither field is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirror
        '''
        if isinstance(backend_ref, dict):
            backend_ref = HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef(**backend_ref)
        if isinstance(fraction, dict):
            fraction = HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction(**fraction)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__7500d94827fb5472ce1ac88601d7d2334c689bd4aef867939725381a56e0edf4)
            check_type(argname="argument backend_ref", value=backend_ref, expected_type=type_hints["backend_ref"])
            check_type(argname="argument fraction", value=fraction, expected_type=type_hints["fraction"])
            check_type(argname="argument percent", value=percent, expected_type=type_hints["percent"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "backend_ref": backend_ref,
        }
        if fraction is not None:
            self._values["fraction"] = fraction
        if percent is not None:
            self._values["percent"] = percent

    @builtins.property
    def backend_ref(
        self,
    ) -> "HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef":
        '''BackendRef references a resource where mirrored requests are sent.

        Mirrored requests must be sent only to a single destination endpoint
        within this BackendRef, irrespective of how many endpoints are present
        within this BackendRef.

        If the referent cannot be found, this BackendRef is invalid and must be
        dropped from the Gateway. The controller must ensure the "ResolvedRefs"
        condition on the Route status is set to ``status: False`` and not configure
        this backend in the underlying implementation.

        If there is a cross-namespace reference to an *existing* object
        that is not allowed by a ReferenceGrant, the controller must ensure the
        "ResolvedRefs"  condition on the Route is set to ``status: False``,
        with the "RefNotPermitted" reason and not configure this backend in the
        underlying implementation.

        In either error case, the Message of the ``ResolvedRefs`` Condition
        should be used to provide more detail about the problem.

        Support: Extended for Kubernetes Service

        Support: Implementation-specific for any other resource

        If the backend service requires TLS, use BackendTLSPolicy to tell the
        implementation to supply the TLS details to be used to connect to that
        backend.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirror#backendRef
        '''
        result = self._values.get("backend_ref")
        assert result is not None, "Required property 'backend_ref' is missing"
        return typing.cast("HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef", result)

    @builtins.property
    def fraction(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction"]:
        '''Fraction represents the fraction of requests that should be mirrored to BackendRef.

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirror#fraction
        '''
        result = self._values.get("fraction")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction"], result)

    @builtins.property
    def percent(self) -> typing.Optional[jsii.Number]:
        '''Percent represents the percentage of requests that should be mirrored to BackendRef.

        Its minimum value is 0 (indicating 0% of
        requests) and its maximum value is 100 (indicating 100% of requests).

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirror#percent
        '''
        result = self._values.get("percent")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestMirror(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
        "port": "port",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        port: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''BackendRef references a resource where mirrored requests are sent.

        Mirrored requests must be sent only to a single destination endpoint
        within this BackendRef, irrespective of how many endpoints are present
        within this BackendRef.

        If the referent cannot be found, this BackendRef is invalid and must be
        dropped from the Gateway. The controller must ensure the "ResolvedRefs"
        condition on the Route status is set to ``status: False`` and not configure
        this backend in the underlying implementation.

        If there is a cross-namespace reference to an *existing* object
        that is not allowed by a ReferenceGrant, the controller must ensure the
        "ResolvedRefs"  condition on the Route is set to ``status: False``,
        with the "RefNotPermitted" reason and not configure this backend in the
        underlying implementation.

        In either error case, the Message of the ``ResolvedRefs`` Condition
        should be used to provide more detail about the problem.

        Support: Extended for Kubernetes Service

        Support: Implementation-specific for any other resource

        If the backend service requires TLS, use BackendTLSPolicy to tell the
        implementation to supply the TLS details to be used to connect to that
        backend.

        :param name: Name is the name of the referent.
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is the Kubernetes resource kind of the referent. For example "Service". Defaults to "Service" when not specified. ExternalName services can refer to CNAME DNS records that may live outside of the cluster and as such are difficult to reason about in terms of conformance. They also may not be safe to forward to (see CVE-2021-25740 for more information). Implementations SHOULD NOT support ExternalName Services. Support: Core (Services with a type other than ExternalName) Support: Implementation-specific (Services with type ExternalName) Default: Service" when not specified.
        :param namespace: Namespace is the namespace of the backend. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core
        :param port: Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service. In this case, the port number is the service port number, not the target port. For other resources, destination port might be derived from the referent resource or this field.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f60f3e7d7e84fdfc1ebbaabd7babe1bbadaad1529cb8c3ddc21d7b726d4d4d7f)
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef#group
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef#kind
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef#namespace
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction",
    jsii_struct_bases=[],
    name_mapping={"numerator": "numerator", "denominator": "denominator"},
)
class HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction:
    def __init__(
        self,
        *,
        numerator: jsii.Number,
        denominator: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''Fraction represents the fraction of requests that should be mirrored to BackendRef.

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :param numerator: 
        :param denominator: 

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__e9aaa53cc2f812fc99315defc31e540832881df9def3644209086dcbe8f159ce)
            check_type(argname="argument numerator", value=numerator, expected_type=type_hints["numerator"])
            check_type(argname="argument denominator", value=denominator, expected_type=type_hints["denominator"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "numerator": numerator,
        }
        if denominator is not None:
            self._values["denominator"] = denominator

    @builtins.property
    def numerator(self) -> jsii.Number:
        '''
        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction#numerator
        '''
        result = self._values.get("numerator")
        assert result is not None, "Required property 'numerator' is missing"
        return typing.cast(jsii.Number, result)

    @builtins.property
    def denominator(self) -> typing.Optional[jsii.Number]:
        '''
        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction#denominator
        '''
        result = self._values.get("denominator")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestRedirect",
    jsii_struct_bases=[],
    name_mapping={
        "hostname": "hostname",
        "path": "path",
        "port": "port",
        "scheme": "scheme",
        "status_code": "statusCode",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersRequestRedirect:
    def __init__(
        self,
        *,
        hostname: typing.Optional[builtins.str] = None,
        path: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath", typing.Dict[builtins.str, typing.Any]]] = None,
        port: typing.Optional[jsii.Number] = None,
        scheme: typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme"] = None,
        status_code: typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode"] = None,
    ) -> None:
        '''RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.

        Support: Core

        :param hostname: Hostname is the hostname to be used in the value of the ``Location`` header in the response. When empty, the hostname in the ``Host`` header of the request is used. Support: Core
        :param path: Path defines parameters used to modify the path of the incoming request. The modified path is then used to construct the ``Location`` header. When empty, the request path is used as-is. Support: Extended
        :param port: Port is the port to be used in the value of the ``Location`` header in the response. If no port is specified, the redirect port MUST be derived using the following rules: - If redirect scheme is not-empty, the redirect port MUST be the well-known port associated with the redirect scheme. Specifically "http" to port 80 and "https" to port 443. If the redirect scheme does not have a well-known port, the listener port of the Gateway SHOULD be used. - If redirect scheme is empty, the redirect port MUST be the Gateway Listener port. Implementations SHOULD NOT add the port number in the 'Location' header in the following cases: - A Location header that will use HTTP (whether that is determined via the Listener protocol or the Scheme field) *and* use port 80. - A Location header that will use HTTPS (whether that is determined via the Listener protocol or the Scheme field) *and* use port 443. Support: Extended
        :param scheme: Scheme is the scheme to be used in the value of the ``Location`` header in the response. When empty, the scheme of the request is used. Scheme redirects can affect the port of the redirect, for more information, refer to the documentation for the port field of this filter. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``. Support: Extended
        :param status_code: StatusCode is the HTTP status code to be used in response. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``. Support: Core

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect
        '''
        if isinstance(path, dict):
            path = HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath(**path)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__184591597ffd8dc15117b62e438b108ebc595139771bad9d6524f2a603686a1f)
            check_type(argname="argument hostname", value=hostname, expected_type=type_hints["hostname"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument scheme", value=scheme, expected_type=type_hints["scheme"])
            check_type(argname="argument status_code", value=status_code, expected_type=type_hints["status_code"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hostname is not None:
            self._values["hostname"] = hostname
        if path is not None:
            self._values["path"] = path
        if port is not None:
            self._values["port"] = port
        if scheme is not None:
            self._values["scheme"] = scheme
        if status_code is not None:
            self._values["status_code"] = status_code

    @builtins.property
    def hostname(self) -> typing.Optional[builtins.str]:
        '''Hostname is the hostname to be used in the value of the ``Location`` header in the response.

        When empty, the hostname in the ``Host`` header of the request is used.

        Support: Core

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect#hostname
        '''
        result = self._values.get("hostname")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def path(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath"]:
        '''Path defines parameters used to modify the path of the incoming request.

        The modified path is then used to construct the ``Location`` header. When
        empty, the request path is used as-is.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect#path
        '''
        result = self._values.get("path")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath"], result)

    @builtins.property
    def port(self) -> typing.Optional[jsii.Number]:
        '''Port is the port to be used in the value of the ``Location`` header in the response.

        If no port is specified, the redirect port MUST be derived using the
        following rules:

        - If redirect scheme is not-empty, the redirect port MUST be the well-known
          port associated with the redirect scheme. Specifically "http" to port 80
          and "https" to port 443. If the redirect scheme does not have a
          well-known port, the listener port of the Gateway SHOULD be used.
        - If redirect scheme is empty, the redirect port MUST be the Gateway
          Listener port.

        Implementations SHOULD NOT add the port number in the 'Location'
        header in the following cases:

        - A Location header that will use HTTP (whether that is determined via
          the Listener protocol or the Scheme field) *and* use port 80.
        - A Location header that will use HTTPS (whether that is determined via
          the Listener protocol or the Scheme field) *and* use port 443.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def scheme(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme"]:
        '''Scheme is the scheme to be used in the value of the ``Location`` header in the response.

        When empty, the scheme of the request is used.

        Scheme redirects can affect the port of the redirect, for more information,
        refer to the documentation for the port field of this filter.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect#scheme
        '''
        result = self._values.get("scheme")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme"], result)

    @builtins.property
    def status_code(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode"]:
        '''StatusCode is the HTTP status code to be used in response.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        Support: Core

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirect#statusCode
        '''
        result = self._values.get("status_code")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestRedirect(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "replace_full_path": "replaceFullPath",
        "replace_prefix_match": "replacePrefixMatch",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType",
        replace_full_path: typing.Optional[builtins.str] = None,
        replace_prefix_match: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Path defines parameters used to modify the path of the incoming request.

        The modified path is then used to construct the ``Location`` header. When
        empty, the request path is used as-is.

        Support: Extended

        :param type: Type defines the type of path modifier. Additional types may be added in a future release of the API. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param replace_full_path: ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.
        :param replace_prefix_match: ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect. For example, a request to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch of "/xyz" would be modified to "/xyz/bar". Note that this matches the behavior of the PathPrefix match type. This matches full path elements. A path element refers to the list of labels in the path split by the ``/`` separator. When specified, a trailing ``/`` is ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all match the prefix ``/abc``, but the path ``/abcd`` would not. ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch. Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in the implementation setting the Accepted Condition for the Route to ``status: False``. Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b8544a5c713cf50f231748682816979cfb90b3947931e93668d9421397e4bb83)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument replace_full_path", value=replace_full_path, expected_type=type_hints["replace_full_path"])
            check_type(argname="argument replace_prefix_match", value=replace_prefix_match, expected_type=type_hints["replace_prefix_match"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if replace_full_path is not None:
            self._values["replace_full_path"] = replace_full_path
        if replace_prefix_match is not None:
            self._values["replace_prefix_match"] = replace_prefix_match

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType":
        '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType", result)

    @builtins.property
    def replace_full_path(self) -> typing.Optional[builtins.str]:
        '''ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath#replaceFullPath
        '''
        result = self._values.get("replace_full_path")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def replace_prefix_match(self) -> typing.Optional[builtins.str]:
        '''ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect.

        For example, a request
        to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch
        of "/xyz" would be modified to "/xyz/bar".

        Note that this matches the behavior of the PathPrefix match type. This
        matches full path elements. A path element refers to the list of labels
        in the path split by the ``/`` separator. When specified, a trailing ``/`` is
        ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all
        match the prefix ``/abc``, but the path ``/abcd`` would not.

        ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch.
        Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in
        the implementation setting the Accepted Condition for the Route to ``status: False``.

        Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath#replacePrefixMatch
        '''
        result = self._values.get("replace_prefix_match")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType"
)
class HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType(enum.Enum):
    '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType
    '''

    REPLACE_FULL_PATH = "REPLACE_FULL_PATH"
    '''ReplaceFullPath.'''
    REPLACE_PREFIX_MATCH = "REPLACE_PREFIX_MATCH"
    '''ReplacePrefixMatch.'''


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme"
)
class HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme(enum.Enum):
    '''Scheme is the scheme to be used in the value of the ``Location`` header in the response.

    When empty, the scheme of the request is used.

    Scheme redirects can affect the port of the redirect, for more information,
    refer to the documentation for the port field of this filter.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    Support: Extended

    :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme
    '''

    HTTP = "HTTP"
    '''http.'''
    HTTPS = "HTTPS"
    '''https.'''


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode"
)
class HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode(enum.Enum):
    '''StatusCode is the HTTP status code to be used in response.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    Support: Core

    :schema: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode
    '''

    VALUE_301 = "VALUE_301"
    '''301.'''
    VALUE_302 = "VALUE_302"
    '''302.'''
    VALUE_303 = "VALUE_303"
    '''303.'''
    VALUE_307 = "VALUE_307"
    '''307.'''
    VALUE_308 = "VALUE_308"
    '''308.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier",
    jsii_struct_bases=[],
    name_mapping={"add": "add", "remove": "remove", "set": "set"},
)
class HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier:
    def __init__(
        self,
        *,
        add: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd", typing.Dict[builtins.str, typing.Any]]]] = None,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''ResponseHeaderModifier defines a schema for a filter that modifies response headers.

        Support: Extended

        :param add: Add adds the given header(s) (name, value) to the request before the action. It appends to any existing values associated with the header name. Input: GET /foo HTTP/1.1 my-header: foo Config: add: - name: "my-header" value: "bar,baz" Output: GET /foo HTTP/1.1 my-header: foo,bar,baz
        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fbad0095ee5aa213f42ac6e566d180492603b059a8876ab97b79d3c53c09c91e)
            check_type(argname="argument add", value=add, expected_type=type_hints["add"])
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if add is not None:
            self._values["add"] = add
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def add(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd"]]:
        '''Add adds the given header(s) (name, value) to the request before the action.

        It appends to any existing values associated
        with the header name.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        add:

        - name: "my-header"
          value: "bar,baz"

        Output:
        GET /foo HTTP/1.1
        my-header: foo,bar,baz

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier#add
        '''
        result = self._values.get("add")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd"]], result)

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

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet"]]:
        '''Set overwrites the request with the given header (name, value) before the action.

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

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__6a04667d6a6e3168913b25293eb27f3c417de85aa0f673ef769bef82bb552d6c)
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__1ec9a41443f8996c3ff4c79024e065dd4978ff9f25fedbc88ad4ab8e9b1ab78d)
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

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersType")
class HttpRouteSpecRulesBackendRefsFiltersType(enum.Enum):
    '''Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:.

    - Core: Filter types and their corresponding configuration defined by
      "Support: Core" in this package, e.g. "RequestHeaderModifier". All
      implementations must support core filters.
    - Extended: Filter types and their corresponding configuration defined by
      "Support: Extended" in this package, e.g. "RequestMirror". Implementers
      are encouraged to support extended filters.
    - Implementation-specific: Filters that are defined and supported by
      specific vendors.
      In the future, filters showing convergence in behavior across multiple
      implementations will be considered for inclusion in extended or core
      conformance levels. Filter-specific configuration for such filters
      is specified using the ExtensionRef field. ``Type`` should be set to
      "ExtensionRef" for custom filters.

    Implementers are encouraged to define custom implementation types to
    extend the core API with implementation-specific behavior.

    If a reference to a custom filter type cannot be resolved, the filter
    MUST NOT be skipped. Instead, requests that would have been processed by
    that filter MUST receive a HTTP error response.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesBackendRefsFiltersType
    '''

    REQUEST_HEADER_MODIFIER = "REQUEST_HEADER_MODIFIER"
    '''RequestHeaderModifier.'''
    RESPONSE_HEADER_MODIFIER = "RESPONSE_HEADER_MODIFIER"
    '''ResponseHeaderModifier.'''
    REQUEST_MIRROR = "REQUEST_MIRROR"
    '''RequestMirror.'''
    REQUEST_REDIRECT = "REQUEST_REDIRECT"
    '''RequestRedirect.'''
    URL_REWRITE = "URL_REWRITE"
    '''URLRewrite.'''
    EXTENSION_REF = "EXTENSION_REF"
    '''ExtensionRef.'''
    CORS = "CORS"
    '''CORS.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersUrlRewrite",
    jsii_struct_bases=[],
    name_mapping={"hostname": "hostname", "path": "path"},
)
class HttpRouteSpecRulesBackendRefsFiltersUrlRewrite:
    def __init__(
        self,
        *,
        hostname: typing.Optional[builtins.str] = None,
        path: typing.Optional[typing.Union["HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''URLRewrite defines a schema for a filter that modifies a request during forwarding.

        Support: Extended

        :param hostname: Hostname is the value to be used to replace the Host header value during forwarding. Support: Extended
        :param path: Path defines a path rewrite. Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewrite
        '''
        if isinstance(path, dict):
            path = HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath(**path)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4e1582fd57417cd211fc08ac58318b4943c72112b89998a93ed94af1fb46625d)
            check_type(argname="argument hostname", value=hostname, expected_type=type_hints["hostname"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hostname is not None:
            self._values["hostname"] = hostname
        if path is not None:
            self._values["path"] = path

    @builtins.property
    def hostname(self) -> typing.Optional[builtins.str]:
        '''Hostname is the value to be used to replace the Host header value during forwarding.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewrite#hostname
        '''
        result = self._values.get("hostname")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def path(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath"]:
        '''Path defines a path rewrite.

        Support: Extended

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewrite#path
        '''
        result = self._values.get("path")
        return typing.cast(typing.Optional["HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersUrlRewrite(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "replace_full_path": "replaceFullPath",
        "replace_prefix_match": "replacePrefixMatch",
    },
)
class HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType",
        replace_full_path: typing.Optional[builtins.str] = None,
        replace_prefix_match: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Path defines a path rewrite.

        Support: Extended

        :param type: Type defines the type of path modifier. Additional types may be added in a future release of the API. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param replace_full_path: ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.
        :param replace_prefix_match: ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect. For example, a request to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch of "/xyz" would be modified to "/xyz/bar". Note that this matches the behavior of the PathPrefix match type. This matches full path elements. A path element refers to the list of labels in the path split by the ``/`` separator. When specified, a trailing ``/`` is ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all match the prefix ``/abc``, but the path ``/abcd`` would not. ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch. Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in the implementation setting the Accepted Condition for the Route to ``status: False``. Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__1c26b57b9fbb30fc95dec16b70d2d853a70b8069b63433c4f3c8be2dbd444493)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument replace_full_path", value=replace_full_path, expected_type=type_hints["replace_full_path"])
            check_type(argname="argument replace_prefix_match", value=replace_prefix_match, expected_type=type_hints["replace_prefix_match"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if replace_full_path is not None:
            self._values["replace_full_path"] = replace_full_path
        if replace_prefix_match is not None:
            self._values["replace_prefix_match"] = replace_prefix_match

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType":
        '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType", result)

    @builtins.property
    def replace_full_path(self) -> typing.Optional[builtins.str]:
        '''ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath#replaceFullPath
        '''
        result = self._values.get("replace_full_path")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def replace_prefix_match(self) -> typing.Optional[builtins.str]:
        '''ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect.

        For example, a request
        to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch
        of "/xyz" would be modified to "/xyz/bar".

        Note that this matches the behavior of the PathPrefix match type. This
        matches full path elements. A path element refers to the list of labels
        in the path split by the ``/`` separator. When specified, a trailing ``/`` is
        ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all
        match the prefix ``/abc``, but the path ``/abcd`` would not.

        ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch.
        Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in
        the implementation setting the Accepted Condition for the Route to ``status: False``.

        Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath#replacePrefixMatch
        '''
        result = self._values.get("replace_prefix_match")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType"
)
class HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType(enum.Enum):
    '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType
    '''

    REPLACE_FULL_PATH = "REPLACE_FULL_PATH"
    '''ReplaceFullPath.'''
    REPLACE_PREFIX_MATCH = "REPLACE_PREFIX_MATCH"
    '''ReplacePrefixMatch.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFilters",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "cors": "cors",
        "extension_ref": "extensionRef",
        "request_header_modifier": "requestHeaderModifier",
        "request_mirror": "requestMirror",
        "request_redirect": "requestRedirect",
        "response_header_modifier": "responseHeaderModifier",
        "url_rewrite": "urlRewrite",
    },
)
class HttpRouteSpecRulesFilters:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesFiltersType",
        cors: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersCors", typing.Dict[builtins.str, typing.Any]]] = None,
        extension_ref: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersExtensionRef", typing.Dict[builtins.str, typing.Any]]] = None,
        request_header_modifier: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersRequestHeaderModifier", typing.Dict[builtins.str, typing.Any]]] = None,
        request_mirror: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersRequestMirror", typing.Dict[builtins.str, typing.Any]]] = None,
        request_redirect: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersRequestRedirect", typing.Dict[builtins.str, typing.Any]]] = None,
        response_header_modifier: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersResponseHeaderModifier", typing.Dict[builtins.str, typing.Any]]] = None,
        url_rewrite: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersUrlRewrite", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''HTTPRouteFilter defines processing steps that must be completed during the request or response lifecycle.

        HTTPRouteFilters are meant as an extension
        point to express processing that may be done in Gateway implementations. Some
        examples include request or response modification, implementing
        authentication strategies, rate-limiting, and traffic shaping. API
        guarantee/conformance is defined based on the type of the filter.

        :param type: Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:. - Core: Filter types and their corresponding configuration defined by "Support: Core" in this package, e.g. "RequestHeaderModifier". All implementations must support core filters. - Extended: Filter types and their corresponding configuration defined by "Support: Extended" in this package, e.g. "RequestMirror". Implementers are encouraged to support extended filters. - Implementation-specific: Filters that are defined and supported by specific vendors. In the future, filters showing convergence in behavior across multiple implementations will be considered for inclusion in extended or core conformance levels. Filter-specific configuration for such filters is specified using the ExtensionRef field. ``Type`` should be set to "ExtensionRef" for custom filters. Implementers are encouraged to define custom implementation types to extend the core API with implementation-specific behavior. If a reference to a custom filter type cannot be resolved, the filter MUST NOT be skipped. Instead, requests that would have been processed by that filter MUST receive a HTTP error response. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param cors: CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header. Support: Extended
        :param extension_ref: ExtensionRef is an optional, implementation-specific extension to the "filter" behavior. For example, resource "myroutefilter" in group "networking.example.net"). ExtensionRef MUST NOT be used for core and extended filters. This filter can be used multiple times within the same rule. Support: Implementation-specific
        :param request_header_modifier: RequestHeaderModifier defines a schema for a filter that modifies request headers. Support: Core
        :param request_mirror: RequestMirror defines a schema for a filter that mirrors requests. Requests are sent to the specified destination, but responses from that destination are ignored. This filter can be used multiple times within the same rule. Note that not all implementations will be able to support mirroring to multiple backends. Support: Extended
        :param request_redirect: RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection. Support: Core
        :param response_header_modifier: ResponseHeaderModifier defines a schema for a filter that modifies response headers. Support: Extended
        :param url_rewrite: URLRewrite defines a schema for a filter that modifies a request during forwarding. Support: Extended

        :schema: HttpRouteSpecRulesFilters
        '''
        if isinstance(cors, dict):
            cors = HttpRouteSpecRulesFiltersCors(**cors)
        if isinstance(extension_ref, dict):
            extension_ref = HttpRouteSpecRulesFiltersExtensionRef(**extension_ref)
        if isinstance(request_header_modifier, dict):
            request_header_modifier = HttpRouteSpecRulesFiltersRequestHeaderModifier(**request_header_modifier)
        if isinstance(request_mirror, dict):
            request_mirror = HttpRouteSpecRulesFiltersRequestMirror(**request_mirror)
        if isinstance(request_redirect, dict):
            request_redirect = HttpRouteSpecRulesFiltersRequestRedirect(**request_redirect)
        if isinstance(response_header_modifier, dict):
            response_header_modifier = HttpRouteSpecRulesFiltersResponseHeaderModifier(**response_header_modifier)
        if isinstance(url_rewrite, dict):
            url_rewrite = HttpRouteSpecRulesFiltersUrlRewrite(**url_rewrite)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__0428ffa1775216a1f31d0a74a0d8ac2ab6732f9238afac14255b36c4dec824fb)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument cors", value=cors, expected_type=type_hints["cors"])
            check_type(argname="argument extension_ref", value=extension_ref, expected_type=type_hints["extension_ref"])
            check_type(argname="argument request_header_modifier", value=request_header_modifier, expected_type=type_hints["request_header_modifier"])
            check_type(argname="argument request_mirror", value=request_mirror, expected_type=type_hints["request_mirror"])
            check_type(argname="argument request_redirect", value=request_redirect, expected_type=type_hints["request_redirect"])
            check_type(argname="argument response_header_modifier", value=response_header_modifier, expected_type=type_hints["response_header_modifier"])
            check_type(argname="argument url_rewrite", value=url_rewrite, expected_type=type_hints["url_rewrite"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if cors is not None:
            self._values["cors"] = cors
        if extension_ref is not None:
            self._values["extension_ref"] = extension_ref
        if request_header_modifier is not None:
            self._values["request_header_modifier"] = request_header_modifier
        if request_mirror is not None:
            self._values["request_mirror"] = request_mirror
        if request_redirect is not None:
            self._values["request_redirect"] = request_redirect
        if response_header_modifier is not None:
            self._values["response_header_modifier"] = response_header_modifier
        if url_rewrite is not None:
            self._values["url_rewrite"] = url_rewrite

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesFiltersType":
        '''Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:.

        - Core: Filter types and their corresponding configuration defined by
          "Support: Core" in this package, e.g. "RequestHeaderModifier". All
          implementations must support core filters.
        - Extended: Filter types and their corresponding configuration defined by
          "Support: Extended" in this package, e.g. "RequestMirror". Implementers
          are encouraged to support extended filters.
        - Implementation-specific: Filters that are defined and supported by
          specific vendors.
          In the future, filters showing convergence in behavior across multiple
          implementations will be considered for inclusion in extended or core
          conformance levels. Filter-specific configuration for such filters
          is specified using the ExtensionRef field. ``Type`` should be set to
          "ExtensionRef" for custom filters.

        Implementers are encouraged to define custom implementation types to
        extend the core API with implementation-specific behavior.

        If a reference to a custom filter type cannot be resolved, the filter
        MUST NOT be skipped. Instead, requests that would have been processed by
        that filter MUST receive a HTTP error response.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesFilters#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesFiltersType", result)

    @builtins.property
    def cors(self) -> typing.Optional["HttpRouteSpecRulesFiltersCors"]:
        '''CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header.

        Support: Extended

        :schema: HttpRouteSpecRulesFilters#cors
        '''
        result = self._values.get("cors")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersCors"], result)

    @builtins.property
    def extension_ref(self) -> typing.Optional["HttpRouteSpecRulesFiltersExtensionRef"]:
        '''ExtensionRef is an optional, implementation-specific extension to the "filter" behavior.

        For example, resource "myroutefilter" in group
        "networking.example.net"). ExtensionRef MUST NOT be used for core and
        extended filters.

        This filter can be used multiple times within the same rule.

        Support: Implementation-specific

        :schema: HttpRouteSpecRulesFilters#extensionRef
        '''
        result = self._values.get("extension_ref")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersExtensionRef"], result)

    @builtins.property
    def request_header_modifier(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestHeaderModifier"]:
        '''RequestHeaderModifier defines a schema for a filter that modifies request headers.

        Support: Core

        :schema: HttpRouteSpecRulesFilters#requestHeaderModifier
        '''
        result = self._values.get("request_header_modifier")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestHeaderModifier"], result)

    @builtins.property
    def request_mirror(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestMirror"]:
        '''RequestMirror defines a schema for a filter that mirrors requests.

        Requests are sent to the specified destination, but responses from
        that destination are ignored.

        This filter can be used multiple times within the same rule. Note that
        not all implementations will be able to support mirroring to multiple
        backends.

        Support: Extended

        :schema: HttpRouteSpecRulesFilters#requestMirror
        '''
        result = self._values.get("request_mirror")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestMirror"], result)

    @builtins.property
    def request_redirect(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestRedirect"]:
        '''RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.

        Support: Core

        :schema: HttpRouteSpecRulesFilters#requestRedirect
        '''
        result = self._values.get("request_redirect")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestRedirect"], result)

    @builtins.property
    def response_header_modifier(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersResponseHeaderModifier"]:
        '''ResponseHeaderModifier defines a schema for a filter that modifies response headers.

        Support: Extended

        :schema: HttpRouteSpecRulesFilters#responseHeaderModifier
        '''
        result = self._values.get("response_header_modifier")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersResponseHeaderModifier"], result)

    @builtins.property
    def url_rewrite(self) -> typing.Optional["HttpRouteSpecRulesFiltersUrlRewrite"]:
        '''URLRewrite defines a schema for a filter that modifies a request during forwarding.

        Support: Extended

        :schema: HttpRouteSpecRulesFilters#urlRewrite
        '''
        result = self._values.get("url_rewrite")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersUrlRewrite"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFilters(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersCors",
    jsii_struct_bases=[],
    name_mapping={
        "allow_credentials": "allowCredentials",
        "allow_headers": "allowHeaders",
        "allow_methods": "allowMethods",
        "allow_origins": "allowOrigins",
        "expose_headers": "exposeHeaders",
        "max_age": "maxAge",
    },
)
class HttpRouteSpecRulesFiltersCors:
    def __init__(
        self,
        *,
        allow_credentials: typing.Optional[builtins.bool] = None,
        allow_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
        allow_methods: typing.Optional[typing.Sequence["HttpRouteSpecRulesFiltersCorsAllowMethods"]] = None,
        allow_origins: typing.Optional[typing.Sequence[builtins.str]] = None,
        expose_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
        max_age: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''CORS defines a schema for a filter that responds to the cross-origin request based on HTTP response header.

        Support: Extended

        :param allow_credentials: AllowCredentials indicates whether the actual cross-origin request allows to include credentials. When set to true, the gateway will include the ``Access-Control-Allow-Credentials`` response header with value true (case-sensitive). When set to false or omitted the gateway will omit the header ``Access-Control-Allow-Credentials`` entirely (this is the standard CORS behavior). Support: Extended
        :param allow_headers: AllowHeaders indicates which HTTP request headers are supported for accessing the requested resource. Header names are not case-sensitive. Multiple header names in the value of the ``Access-Control-Allow-Headers`` response header are separated by a comma (","). When the ``allowHeaders`` field is configured with one or more headers, the gateway must return the ``Access-Control-Allow-Headers`` response header which value is present in the ``allowHeaders`` field. If any header name in the ``Access-Control-Request-Headers`` request header is not included in the list of header names specified by the response header ``Access-Control-Allow-Headers``, it will present an error on the client side. If any header name in the ``Access-Control-Allow-Headers`` response header does not recognize by the client, it will also occur an error on the client side. A wildcard indicates that the requests with all HTTP headers are allowed. If the configuration contains the wildcard ``*`` in ``allowHeaders`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Headers`` response header may either contain the wildcard ``*`` or echo the value of the ``Access-Control-Request-Headers`` request header. If the configuration contains the wildcard ``*`` in ``allowHeaders`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Headers`` response header. Instead, it must return one or more header names matching the value of the ``Access-Control-Request-Headers`` request header. If the ``Access-Control-Request-Headers`` header is not present in the request, the gateway must omit the ``Access-Control-Allow-Headers`` response header. Support: Extended
        :param allow_methods: AllowMethods indicates which HTTP methods are supported for accessing the requested resource. Valid values are any method defined by RFC9110, along with the special value ``*``, which represents all HTTP methods are allowed. Method names are case-sensitive, so these values are also case-sensitive. (See https://www.rfc-editor.org/rfc/rfc2616#section-5.1.1) Multiple method names in the value of the ``Access-Control-Allow-Methods`` response header are separated by a comma (","). A CORS-safelisted method is a method that is ``GET``, ``HEAD``, or ``POST``. (See https://fetch.spec.whatwg.org/#cors-safelisted-method) The CORS-safelisted methods are always allowed, regardless of whether they are specified in the ``allowMethods`` field. When the ``allowMethods`` field is configured with one or more methods, the gateway must return the ``Access-Control-Allow-Methods`` response header which value is present in the ``allowMethods`` field. If the HTTP method of the ``Access-Control-Request-Method`` request header is not included in the list of methods specified by the response header ``Access-Control-Allow-Methods``, it will present an error on the client side. If the configuration contains the wildcard ``*`` in ``allowMethods`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Methods`` response header may either contain the wildcard ``*`` or echo the value of the ``Access-Control-Request-Method`` request header. If the configuration contains the wildcard ``*`` in ``allowMethods`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Methods`` response header. Instead, it must return a single HTTP method matching the value of the ``Access-Control-Request-Method`` request header. If the ``Access-Control-Request-Method`` header is not present in the request, the gateway must omit the ``Access-Control-Allow-Methods`` response header. Support: Extended
        :param allow_origins: AllowOrigins indicates whether the response can be shared with requested resource from the given ``Origin``. The ``Origin`` consists of a scheme and a host, with an optional port, and takes the form ``<scheme>://<host>(:<port>)``. Valid values for scheme are: ``http`` and ``https``. Valid values for port are any integer between 1 and 65535 (the list of available TCP/UDP ports). Note that, if not included, port ``80`` is assumed for ``http`` scheme origins, and port ``443`` is assumed for ``https`` origins. This may affect origin matching. The host part of the origin may contain the wildcard character ``*``. These wildcard characters behave as follows: - ``*`` is a greedy match to the *left*, including any number of DNS labels to the left of its position. This also means that ``*`` will include any number of period ``.`` characters to the left of its position. - A wildcard by itself matches all hosts. An origin value that includes *only* the ``*`` character indicates requests from all ``Origin``s are allowed. When the ``allowOrigins`` field is configured with multiple origins, it means the server supports clients from multiple origins. If the request ``Origin`` matches the configured allowed origins, the gateway must return the given ``Origin`` and sets value of the header ``Access-Control-Allow-Origin`` same as the ``Origin`` header provided by the client. The status code of a successful response to a "preflight" request is always an OK status (i.e., 204 or 200). If the request ``Origin`` does not match the configured allowed origins, the gateway returns 204/200 response but doesn't set the relevant cross-origin response headers. Alternatively, the gateway responds with 403 status to the "preflight" request is denied, coupled with omitting the CORS headers. The cross-origin request fails on the client side. Therefore, the client doesn't attempt the actual cross-origin request. Conversely, if the request ``Origin`` matches one of the configured allowed origins, the gateway sets the response header ``Access-Control-Allow-Origin`` to the same value as the ``Origin`` header provided by the client. If the configuration contains the wildcard ``*`` in ``allowOrigins`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Origin`` response header may either contain the wildcard ``*`` or echo the value of the ``Origin`` request header. If the configuration contains the wildcard ``*`` in ``allowOrigins`` and ``allowCredentials`` is set to ``true``, the gateway must not return ``*`` in the ``Access-Control-Allow-Origin`` response header. Instead, it must return a single origin matching the value of the ``Origin`` request header. Support: Extended
        :param expose_headers: ExposeHeaders indicates which HTTP response headers can be exposed to client-side scripts in response to a cross-origin request. A CORS-safelisted response header is an HTTP header in a CORS response that it is considered safe to expose to the client scripts. The CORS-safelisted response headers include the following headers: ``Cache-Control`` ``Content-Language`` ``Content-Length`` ``Content-Type`` ``Expires`` ``Last-Modified`` ``Pragma`` (See https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name) The CORS-safelisted response headers are exposed to client by default. When an HTTP header name is specified using the ``exposeHeaders`` field, this additional header will be exposed as part of the response to the client. Header names are not case-sensitive. Multiple header names in the value of the ``Access-Control-Expose-Headers`` response header are separated by a comma (","). A wildcard indicates that the responses with all HTTP headers are exposed to clients. If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and ``allowCredentials`` is set to ``false``, the ``Access-Control-Expose-Headers`` response header can contain the wildcard ``*``. If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and ``allowCredentials`` is set to ``true``, the gateway cannot use the ``*`` in the ``Access-Control-Expose-Headers`` response header. Support: Extended
        :param max_age: MaxAge indicates the duration (in seconds) for the client to cache the results of a "preflight" request. The information provided by the ``Access-Control-Allow-Methods`` and ``Access-Control-Allow-Headers`` response headers can be cached by the client until the time specified by ``Access-Control-Max-Age`` elapses. The default value of ``Access-Control-Max-Age`` response header is 5 (seconds). When the ``MaxAge`` field is unspecified, the gateway sets the response header "Access-Control-Max-Age: 5" by default.

        :schema: HttpRouteSpecRulesFiltersCors
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__b33537ded33ab59d6ca59dca400d68f47dddc1c37b836f240626e30e0773ad79)
            check_type(argname="argument allow_credentials", value=allow_credentials, expected_type=type_hints["allow_credentials"])
            check_type(argname="argument allow_headers", value=allow_headers, expected_type=type_hints["allow_headers"])
            check_type(argname="argument allow_methods", value=allow_methods, expected_type=type_hints["allow_methods"])
            check_type(argname="argument allow_origins", value=allow_origins, expected_type=type_hints["allow_origins"])
            check_type(argname="argument expose_headers", value=expose_headers, expected_type=type_hints["expose_headers"])
            check_type(argname="argument max_age", value=max_age, expected_type=type_hints["max_age"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if allow_credentials is not None:
            self._values["allow_credentials"] = allow_credentials
        if allow_headers is not None:
            self._values["allow_headers"] = allow_headers
        if allow_methods is not None:
            self._values["allow_methods"] = allow_methods
        if allow_origins is not None:
            self._values["allow_origins"] = allow_origins
        if expose_headers is not None:
            self._values["expose_headers"] = expose_headers
        if max_age is not None:
            self._values["max_age"] = max_age

    @builtins.property
    def allow_credentials(self) -> typing.Optional[builtins.bool]:
        '''AllowCredentials indicates whether the actual cross-origin request allows to include credentials.

        When set to true, the gateway will include the ``Access-Control-Allow-Credentials``
        response header with value true (case-sensitive).

        When set to false or omitted the gateway will omit the header
        ``Access-Control-Allow-Credentials`` entirely (this is the standard CORS
        behavior).

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersCors#allowCredentials
        '''
        result = self._values.get("allow_credentials")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def allow_headers(self) -> typing.Optional[typing.List[builtins.str]]:
        '''AllowHeaders indicates which HTTP request headers are supported for accessing the requested resource.

        Header names are not case-sensitive.

        Multiple header names in the value of the ``Access-Control-Allow-Headers``
        response header are separated by a comma (",").

        When the ``allowHeaders`` field is configured with one or more headers, the
        gateway must return the ``Access-Control-Allow-Headers`` response header
        which value is present in the ``allowHeaders`` field.

        If any header name in the ``Access-Control-Request-Headers`` request header
        is not included in the list of header names specified by the response
        header ``Access-Control-Allow-Headers``, it will present an error on the
        client side.

        If any header name in the ``Access-Control-Allow-Headers`` response header
        does not recognize by the client, it will also occur an error on the
        client side.

        A wildcard indicates that the requests with all HTTP headers are allowed.

        If the configuration contains the wildcard ``*`` in ``allowHeaders`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Headers``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Access-Control-Request-Headers`` request header.

        If the configuration contains the wildcard ``*`` in ``allowHeaders`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Headers`` response header. Instead, it must
        return one or more header names matching the value of the
        ``Access-Control-Request-Headers`` request header.
        If the ``Access-Control-Request-Headers`` header is not present in the
        request, the gateway must omit the ``Access-Control-Allow-Headers``
        response header.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersCors#allowHeaders
        '''
        result = self._values.get("allow_headers")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def allow_methods(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesFiltersCorsAllowMethods"]]:
        '''AllowMethods indicates which HTTP methods are supported for accessing the requested resource.

        Valid values are any method defined by RFC9110, along with the special
        value ``*``, which represents all HTTP methods are allowed.

        Method names are case-sensitive, so these values are also case-sensitive.
        (See https://www.rfc-editor.org/rfc/rfc2616#section-5.1.1)

        Multiple method names in the value of the ``Access-Control-Allow-Methods``
        response header are separated by a comma (",").

        A CORS-safelisted method is a method that is ``GET``, ``HEAD``, or ``POST``.
        (See https://fetch.spec.whatwg.org/#cors-safelisted-method) The
        CORS-safelisted methods are always allowed, regardless of whether they
        are specified in the ``allowMethods`` field.

        When the ``allowMethods`` field is configured with one or more methods, the
        gateway must return the ``Access-Control-Allow-Methods`` response header
        which value is present in the ``allowMethods`` field.

        If the HTTP method of the ``Access-Control-Request-Method`` request header
        is not included in the list of methods specified by the response header
        ``Access-Control-Allow-Methods``, it will present an error on the client
        side.

        If the configuration contains the wildcard ``*`` in ``allowMethods`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Methods``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Access-Control-Request-Method`` request header.

        If the configuration contains the wildcard ``*`` in ``allowMethods`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Methods`` response header. Instead, it must
        return a single HTTP method matching the value of the
        ``Access-Control-Request-Method`` request header.
        If the ``Access-Control-Request-Method`` header is not present in the request,
        the gateway must omit the ``Access-Control-Allow-Methods`` response header.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersCors#allowMethods
        '''
        result = self._values.get("allow_methods")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFiltersCorsAllowMethods"]], result)

    @builtins.property
    def allow_origins(self) -> typing.Optional[typing.List[builtins.str]]:
        '''AllowOrigins indicates whether the response can be shared with requested resource from the given ``Origin``.

        The ``Origin`` consists of a scheme and a host, with an optional port, and
        takes the form ``<scheme>://<host>(:<port>)``.

        Valid values for scheme are: ``http`` and ``https``.

        Valid values for port are any integer between 1 and 65535 (the list of
        available TCP/UDP ports). Note that, if not included, port ``80`` is
        assumed for ``http`` scheme origins, and port ``443`` is assumed for ``https``
        origins. This may affect origin matching.

        The host part of the origin may contain the wildcard character ``*``. These
        wildcard characters behave as follows:

        - ``*`` is a greedy match to the *left*, including any number of
          DNS labels to the left of its position. This also means that
          ``*`` will include any number of period ``.`` characters to the
          left of its position.
        - A wildcard by itself matches all hosts.

        An origin value that includes *only* the ``*`` character indicates requests
        from all ``Origin``s are allowed.

        When the ``allowOrigins`` field is configured with multiple origins, it
        means the server supports clients from multiple origins. If the request
        ``Origin`` matches the configured allowed origins, the gateway must return
        the given ``Origin`` and sets value of the header
        ``Access-Control-Allow-Origin`` same as the ``Origin`` header provided by the
        client.

        The status code of a successful response to a "preflight" request is
        always an OK status (i.e., 204 or 200).

        If the request ``Origin`` does not match the configured allowed origins,
        the gateway returns 204/200 response but doesn't set the relevant
        cross-origin response headers. Alternatively, the gateway responds with
        403 status to the "preflight" request is denied, coupled with omitting
        the CORS headers. The cross-origin request fails on the client side.
        Therefore, the client doesn't attempt the actual cross-origin request.

        Conversely, if the request ``Origin`` matches one of the configured
        allowed origins, the gateway sets the response header
        ``Access-Control-Allow-Origin`` to the same value as the ``Origin``
        header provided by the client.

        If the configuration contains the wildcard ``*`` in ``allowOrigins`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Allow-Origin``
        response header may either contain the wildcard ``*`` or echo the value
        of the ``Origin`` request header.

        If the configuration contains the wildcard ``*`` in ``allowOrigins`` and
        ``allowCredentials`` is set to ``true``, the gateway must not return ``*``
        in the ``Access-Control-Allow-Origin`` response header. Instead, it must
        return a single origin matching the value of the ``Origin`` request header.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersCors#allowOrigins
        '''
        result = self._values.get("allow_origins")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def expose_headers(self) -> typing.Optional[typing.List[builtins.str]]:
        '''ExposeHeaders indicates which HTTP response headers can be exposed to client-side scripts in response to a cross-origin request.

        A CORS-safelisted response header is an HTTP header in a CORS response
        that it is considered safe to expose to the client scripts.
        The CORS-safelisted response headers include the following headers:
        ``Cache-Control``
        ``Content-Language``
        ``Content-Length``
        ``Content-Type``
        ``Expires``
        ``Last-Modified``
        ``Pragma``
        (See https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)
        The CORS-safelisted response headers are exposed to client by default.

        When an HTTP header name is specified using the ``exposeHeaders`` field,
        this additional header will be exposed as part of the response to the
        client.

        Header names are not case-sensitive.

        Multiple header names in the value of the ``Access-Control-Expose-Headers``
        response header are separated by a comma (",").

        A wildcard indicates that the responses with all HTTP headers are exposed
        to clients.

        If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and
        ``allowCredentials`` is set to ``false``, the ``Access-Control-Expose-Headers``
        response header can contain the wildcard ``*``.

        If the configuration contains the wildcard ``*`` in ``exposeHeaders`` and
        ``allowCredentials`` is set to ``true``, the gateway cannot use the ``*``
        in the ``Access-Control-Expose-Headers`` response header.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersCors#exposeHeaders
        '''
        result = self._values.get("expose_headers")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def max_age(self) -> typing.Optional[jsii.Number]:
        '''MaxAge indicates the duration (in seconds) for the client to cache the results of a "preflight" request.

        The information provided by the ``Access-Control-Allow-Methods`` and
        ``Access-Control-Allow-Headers`` response headers can be cached by the
        client until the time specified by ``Access-Control-Max-Age`` elapses.

        The default value of ``Access-Control-Max-Age`` response header is 5
        (seconds).

        When the ``MaxAge`` field is unspecified, the gateway sets the response
        header "Access-Control-Max-Age: 5" by default.

        :schema: HttpRouteSpecRulesFiltersCors#maxAge
        '''
        result = self._values.get("max_age")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersCors(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersCorsAllowMethods"
)
class HttpRouteSpecRulesFiltersCorsAllowMethods(enum.Enum):
    '''
    :schema: HttpRouteSpecRulesFiltersCorsAllowMethods
    '''

    GET = "GET"
    '''GET.'''
    HEAD = "HEAD"
    '''HEAD.'''
    POST = "POST"
    '''POST.'''
    PUT = "PUT"
    '''PUT.'''
    DELETE = "DELETE"
    '''DELETE.'''
    CONNECT = "CONNECT"
    '''CONNECT.'''
    OPTIONS = "OPTIONS"
    '''OPTIONS.'''
    TRACE = "TRACE"
    '''TRACE.'''
    PATCH = "PATCH"
    '''PATCH.'''
    VALUE_ASTERISK = "VALUE_ASTERISK"
    '''*.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersExtensionRef",
    jsii_struct_bases=[],
    name_mapping={"group": "group", "kind": "kind", "name": "name"},
)
class HttpRouteSpecRulesFiltersExtensionRef:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: builtins.str,
    ) -> None:
        '''ExtensionRef is an optional, implementation-specific extension to the "filter" behavior.

        For example, resource "myroutefilter" in group
        "networking.example.net"). ExtensionRef MUST NOT be used for core and
        extended filters.

        This filter can be used multiple times within the same rule.

        Support: Implementation-specific

        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is kind of the referent. For example "HTTPRoute" or "Service".
        :param name: Name is the name of the referent.

        :schema: HttpRouteSpecRulesFiltersExtensionRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__39e941853e459969b0aab868f1c27cb71d3d205a33fa4f8c969339bc021ba2de)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "name": name,
        }

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: HttpRouteSpecRulesFiltersExtensionRef#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is kind of the referent.

        For example "HTTPRoute" or "Service".

        :schema: HttpRouteSpecRulesFiltersExtensionRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''Name is the name of the referent.

        :schema: HttpRouteSpecRulesFiltersExtensionRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersExtensionRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestHeaderModifier",
    jsii_struct_bases=[],
    name_mapping={"add": "add", "remove": "remove", "set": "set"},
)
class HttpRouteSpecRulesFiltersRequestHeaderModifier:
    def __init__(
        self,
        *,
        add: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesFiltersRequestHeaderModifierAdd", typing.Dict[builtins.str, typing.Any]]]] = None,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesFiltersRequestHeaderModifierSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''RequestHeaderModifier defines a schema for a filter that modifies request headers.

        Support: Core

        :param add: Add adds the given header(s) (name, value) to the request before the action. It appends to any existing values associated with the header name. Input: GET /foo HTTP/1.1 my-header: foo Config: add: - name: "my-header" value: "bar,baz" Output: GET /foo HTTP/1.1 my-header: foo,bar,baz
        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifier
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__8de96c7ad9ceb211024a95d5e95543228a770a6dab1ff5374f1142c6a8e5a9cc)
            check_type(argname="argument add", value=add, expected_type=type_hints["add"])
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if add is not None:
            self._values["add"] = add
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def add(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesFiltersRequestHeaderModifierAdd"]]:
        '''Add adds the given header(s) (name, value) to the request before the action.

        It appends to any existing values associated
        with the header name.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        add:

        - name: "my-header"
          value: "bar,baz"

        Output:
        GET /foo HTTP/1.1
        my-header: foo,bar,baz

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifier#add
        '''
        result = self._values.get("add")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFiltersRequestHeaderModifierAdd"]], result)

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

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifier#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesFiltersRequestHeaderModifierSet"]]:
        '''Set overwrites the request with the given header (name, value) before the action.

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

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifier#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFiltersRequestHeaderModifierSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestHeaderModifier(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestHeaderModifierAdd",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesFiltersRequestHeaderModifierAdd:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierAdd
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__568bb5f21af6f172a914649f6183e4b7cb0777e475a740bb00ac9cd09b83c3bb)
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

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierAdd#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierAdd#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestHeaderModifierAdd(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestHeaderModifierSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesFiltersRequestHeaderModifierSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__23c177c2ed06dcfb19217e44c7d87f5be995b9a3bc65e5b26b945b3f9cc2009b)
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

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersRequestHeaderModifierSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestHeaderModifierSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestMirror",
    jsii_struct_bases=[],
    name_mapping={
        "backend_ref": "backendRef",
        "fraction": "fraction",
        "percent": "percent",
    },
)
class HttpRouteSpecRulesFiltersRequestMirror:
    def __init__(
        self,
        *,
        backend_ref: typing.Union["HttpRouteSpecRulesFiltersRequestMirrorBackendRef", typing.Dict[builtins.str, typing.Any]],
        fraction: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersRequestMirrorFraction", typing.Dict[builtins.str, typing.Any]]] = None,
        percent: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''RequestMirror defines a schema for a filter that mirrors requests.

        Requests are sent to the specified destination, but responses from
        that destination are ignored.

        This filter can be used multiple times within the same rule. Note that
        not all implementations will be able to support mirroring to multiple
        backends.

        Support: Extended

        :param backend_ref: BackendRef references a resource where mirrored requests are sent. Mirrored requests must be sent only to a single destination endpoint within this BackendRef, irrespective of how many endpoints are present within this BackendRef. If the referent cannot be found, this BackendRef is invalid and must be dropped from the Gateway. The controller must ensure the "ResolvedRefs" condition on the Route status is set to ``status: False`` and not configure this backend in the underlying implementation. If there is a cross-namespace reference to an *existing* object that is not allowed by a ReferenceGrant, the controller must ensure the "ResolvedRefs" condition on the Route is set to ``status: False``, with the "RefNotPermitted" reason and not configure this backend in the underlying implementation. In either error case, the Message of the ``ResolvedRefs`` Condition should be used to provide more detail about the problem. Support: Extended for Kubernetes Service Support: Implementation-specific for any other resource If the backend service requires TLS, use BackendTLSPolicy to tell the implementation to supply the TLS details to be used to connect to that backend.
        :param fraction: Fraction represents the fraction of requests that should be mirrored to BackendRef. Only one of Fraction or Percent may be specified. If neither field is specified, 100% of requests will be mirrored.
        :param percent: Percent represents the percentage of requests that should be mirrored to BackendRef. Its minimum value is 0 (indicating 0% of requests) and its maximum value is 100 (indicating 100% of requests). Only one of Fraction or Percent may be specified. If neither field is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesFiltersRequestMirror
        '''
        if isinstance(backend_ref, dict):
            backend_ref = HttpRouteSpecRulesFiltersRequestMirrorBackendRef(**backend_ref)
        if isinstance(fraction, dict):
            fraction = HttpRouteSpecRulesFiltersRequestMirrorFraction(**fraction)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c0490741bebb5530fb4f8f21f833cec331b0ddb6f2915fe3ebd70f838273cf34)
            check_type(argname="argument backend_ref", value=backend_ref, expected_type=type_hints["backend_ref"])
            check_type(argname="argument fraction", value=fraction, expected_type=type_hints["fraction"])
            check_type(argname="argument percent", value=percent, expected_type=type_hints["percent"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "backend_ref": backend_ref,
        }
        if fraction is not None:
            self._values["fraction"] = fraction
        if percent is not None:
            self._values["percent"] = percent

    @builtins.property
    def backend_ref(self) -> "HttpRouteSpecRulesFiltersRequestMirrorBackendRef":
        '''BackendRef references a resource where mirrored requests are sent.

        Mirrored requests must be sent only to a single destination endpoint
        within this BackendRef, irrespective of how many endpoints are present
        within this BackendRef.

        If the referent cannot be found, this BackendRef is invalid and must be
        dropped from the Gateway. The controller must ensure the "ResolvedRefs"
        condition on the Route status is set to ``status: False`` and not configure
        this backend in the underlying implementation.

        If there is a cross-namespace reference to an *existing* object
        that is not allowed by a ReferenceGrant, the controller must ensure the
        "ResolvedRefs"  condition on the Route is set to ``status: False``,
        with the "RefNotPermitted" reason and not configure this backend in the
        underlying implementation.

        In either error case, the Message of the ``ResolvedRefs`` Condition
        should be used to provide more detail about the problem.

        Support: Extended for Kubernetes Service

        Support: Implementation-specific for any other resource

        If the backend service requires TLS, use BackendTLSPolicy to tell the
        implementation to supply the TLS details to be used to connect to that
        backend.

        :schema: HttpRouteSpecRulesFiltersRequestMirror#backendRef
        '''
        result = self._values.get("backend_ref")
        assert result is not None, "Required property 'backend_ref' is missing"
        return typing.cast("HttpRouteSpecRulesFiltersRequestMirrorBackendRef", result)

    @builtins.property
    def fraction(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestMirrorFraction"]:
        '''Fraction represents the fraction of requests that should be mirrored to BackendRef.

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesFiltersRequestMirror#fraction
        '''
        result = self._values.get("fraction")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestMirrorFraction"], result)

    @builtins.property
    def percent(self) -> typing.Optional[jsii.Number]:
        '''Percent represents the percentage of requests that should be mirrored to BackendRef.

        Its minimum value is 0 (indicating 0% of
        requests) and its maximum value is 100 (indicating 100% of requests).

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :schema: HttpRouteSpecRulesFiltersRequestMirror#percent
        '''
        result = self._values.get("percent")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestMirror(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestMirrorBackendRef",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "group": "group",
        "kind": "kind",
        "namespace": "namespace",
        "port": "port",
    },
)
class HttpRouteSpecRulesFiltersRequestMirrorBackendRef:
    def __init__(
        self,
        *,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        kind: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
        port: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''BackendRef references a resource where mirrored requests are sent.

        Mirrored requests must be sent only to a single destination endpoint
        within this BackendRef, irrespective of how many endpoints are present
        within this BackendRef.

        If the referent cannot be found, this BackendRef is invalid and must be
        dropped from the Gateway. The controller must ensure the "ResolvedRefs"
        condition on the Route status is set to ``status: False`` and not configure
        this backend in the underlying implementation.

        If there is a cross-namespace reference to an *existing* object
        that is not allowed by a ReferenceGrant, the controller must ensure the
        "ResolvedRefs"  condition on the Route is set to ``status: False``,
        with the "RefNotPermitted" reason and not configure this backend in the
        underlying implementation.

        In either error case, the Message of the ``ResolvedRefs`` Condition
        should be used to provide more detail about the problem.

        Support: Extended for Kubernetes Service

        Support: Implementation-specific for any other resource

        If the backend service requires TLS, use BackendTLSPolicy to tell the
        implementation to supply the TLS details to be used to connect to that
        backend.

        :param name: Name is the name of the referent.
        :param group: Group is the group of the referent. For example, "gateway.networking.k8s.io". When unspecified or empty string, core API group is inferred.
        :param kind: Kind is the Kubernetes resource kind of the referent. For example "Service". Defaults to "Service" when not specified. ExternalName services can refer to CNAME DNS records that may live outside of the cluster and as such are difficult to reason about in terms of conformance. They also may not be safe to forward to (see CVE-2021-25740 for more information). Implementations SHOULD NOT support ExternalName Services. Support: Core (Services with a type other than ExternalName) Support: Implementation-specific (Services with type ExternalName) Default: Service" when not specified.
        :param namespace: Namespace is the namespace of the backend. When unspecified, the local namespace is inferred. Note that when a namespace different than the local namespace is specified, a ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference. See the ReferenceGrant documentation for details. Support: Core
        :param port: Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service. In this case, the port number is the service port number, not the target port. For other resources, destination port might be derived from the referent resource or this field.

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__75b0b8340262f6a813833ac959a2bdafae1a4109b132cb0fe0ffa70fb929559d)
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

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''Group is the group of the referent.

        For example, "gateway.networking.k8s.io".
        When unspecified or empty string, core API group is inferred.

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef#group
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

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef#kind
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

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef#namespace
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

        :schema: HttpRouteSpecRulesFiltersRequestMirrorBackendRef#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestMirrorBackendRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestMirrorFraction",
    jsii_struct_bases=[],
    name_mapping={"numerator": "numerator", "denominator": "denominator"},
)
class HttpRouteSpecRulesFiltersRequestMirrorFraction:
    def __init__(
        self,
        *,
        numerator: jsii.Number,
        denominator: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''Fraction represents the fraction of requests that should be mirrored to BackendRef.

        Only one of Fraction or Percent may be specified. If neither field
        is specified, 100% of requests will be mirrored.

        :param numerator: 
        :param denominator: 

        :schema: HttpRouteSpecRulesFiltersRequestMirrorFraction
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__704fe2d4879342adbb169301af6250a82fb827d55119c7f629821ae3b1eb6567)
            check_type(argname="argument numerator", value=numerator, expected_type=type_hints["numerator"])
            check_type(argname="argument denominator", value=denominator, expected_type=type_hints["denominator"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "numerator": numerator,
        }
        if denominator is not None:
            self._values["denominator"] = denominator

    @builtins.property
    def numerator(self) -> jsii.Number:
        '''
        :schema: HttpRouteSpecRulesFiltersRequestMirrorFraction#numerator
        '''
        result = self._values.get("numerator")
        assert result is not None, "Required property 'numerator' is missing"
        return typing.cast(jsii.Number, result)

    @builtins.property
    def denominator(self) -> typing.Optional[jsii.Number]:
        '''
        :schema: HttpRouteSpecRulesFiltersRequestMirrorFraction#denominator
        '''
        result = self._values.get("denominator")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestMirrorFraction(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestRedirect",
    jsii_struct_bases=[],
    name_mapping={
        "hostname": "hostname",
        "path": "path",
        "port": "port",
        "scheme": "scheme",
        "status_code": "statusCode",
    },
)
class HttpRouteSpecRulesFiltersRequestRedirect:
    def __init__(
        self,
        *,
        hostname: typing.Optional[builtins.str] = None,
        path: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersRequestRedirectPath", typing.Dict[builtins.str, typing.Any]]] = None,
        port: typing.Optional[jsii.Number] = None,
        scheme: typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectScheme"] = None,
        status_code: typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectStatusCode"] = None,
    ) -> None:
        '''RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.

        Support: Core

        :param hostname: Hostname is the hostname to be used in the value of the ``Location`` header in the response. When empty, the hostname in the ``Host`` header of the request is used. Support: Core
        :param path: Path defines parameters used to modify the path of the incoming request. The modified path is then used to construct the ``Location`` header. When empty, the request path is used as-is. Support: Extended
        :param port: Port is the port to be used in the value of the ``Location`` header in the response. If no port is specified, the redirect port MUST be derived using the following rules: - If redirect scheme is not-empty, the redirect port MUST be the well-known port associated with the redirect scheme. Specifically "http" to port 80 and "https" to port 443. If the redirect scheme does not have a well-known port, the listener port of the Gateway SHOULD be used. - If redirect scheme is empty, the redirect port MUST be the Gateway Listener port. Implementations SHOULD NOT add the port number in the 'Location' header in the following cases: - A Location header that will use HTTP (whether that is determined via the Listener protocol or the Scheme field) *and* use port 80. - A Location header that will use HTTPS (whether that is determined via the Listener protocol or the Scheme field) *and* use port 443. Support: Extended
        :param scheme: Scheme is the scheme to be used in the value of the ``Location`` header in the response. When empty, the scheme of the request is used. Scheme redirects can affect the port of the redirect, for more information, refer to the documentation for the port field of this filter. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``. Support: Extended
        :param status_code: StatusCode is the HTTP status code to be used in response. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``. Support: Core

        :schema: HttpRouteSpecRulesFiltersRequestRedirect
        '''
        if isinstance(path, dict):
            path = HttpRouteSpecRulesFiltersRequestRedirectPath(**path)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3416b7372797c18099bccc94cffaa91e7f498d721f8d8e25d0814f22eeeddd2e)
            check_type(argname="argument hostname", value=hostname, expected_type=type_hints["hostname"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument scheme", value=scheme, expected_type=type_hints["scheme"])
            check_type(argname="argument status_code", value=status_code, expected_type=type_hints["status_code"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hostname is not None:
            self._values["hostname"] = hostname
        if path is not None:
            self._values["path"] = path
        if port is not None:
            self._values["port"] = port
        if scheme is not None:
            self._values["scheme"] = scheme
        if status_code is not None:
            self._values["status_code"] = status_code

    @builtins.property
    def hostname(self) -> typing.Optional[builtins.str]:
        '''Hostname is the hostname to be used in the value of the ``Location`` header in the response.

        When empty, the hostname in the ``Host`` header of the request is used.

        Support: Core

        :schema: HttpRouteSpecRulesFiltersRequestRedirect#hostname
        '''
        result = self._values.get("hostname")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def path(self) -> typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectPath"]:
        '''Path defines parameters used to modify the path of the incoming request.

        The modified path is then used to construct the ``Location`` header. When
        empty, the request path is used as-is.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersRequestRedirect#path
        '''
        result = self._values.get("path")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectPath"], result)

    @builtins.property
    def port(self) -> typing.Optional[jsii.Number]:
        '''Port is the port to be used in the value of the ``Location`` header in the response.

        If no port is specified, the redirect port MUST be derived using the
        following rules:

        - If redirect scheme is not-empty, the redirect port MUST be the well-known
          port associated with the redirect scheme. Specifically "http" to port 80
          and "https" to port 443. If the redirect scheme does not have a
          well-known port, the listener port of the Gateway SHOULD be used.
        - If redirect scheme is empty, the redirect port MUST be the Gateway
          Listener port.

        Implementations SHOULD NOT add the port number in the 'Location'
        header in the following cases:

        - A Location header that will use HTTP (whether that is determined via
          the Listener protocol or the Scheme field) *and* use port 80.
        - A Location header that will use HTTPS (whether that is determined via
          the Listener protocol or the Scheme field) *and* use port 443.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersRequestRedirect#port
        '''
        result = self._values.get("port")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def scheme(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectScheme"]:
        '''Scheme is the scheme to be used in the value of the ``Location`` header in the response.

        When empty, the scheme of the request is used.

        Scheme redirects can affect the port of the redirect, for more information,
        refer to the documentation for the port field of this filter.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersRequestRedirect#scheme
        '''
        result = self._values.get("scheme")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectScheme"], result)

    @builtins.property
    def status_code(
        self,
    ) -> typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectStatusCode"]:
        '''StatusCode is the HTTP status code to be used in response.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        Support: Core

        :schema: HttpRouteSpecRulesFiltersRequestRedirect#statusCode
        '''
        result = self._values.get("status_code")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersRequestRedirectStatusCode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestRedirect(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestRedirectPath",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "replace_full_path": "replaceFullPath",
        "replace_prefix_match": "replacePrefixMatch",
    },
)
class HttpRouteSpecRulesFiltersRequestRedirectPath:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesFiltersRequestRedirectPathType",
        replace_full_path: typing.Optional[builtins.str] = None,
        replace_prefix_match: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Path defines parameters used to modify the path of the incoming request.

        The modified path is then used to construct the ``Location`` header. When
        empty, the request path is used as-is.

        Support: Extended

        :param type: Type defines the type of path modifier. Additional types may be added in a future release of the API. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param replace_full_path: ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.
        :param replace_prefix_match: ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect. For example, a request to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch of "/xyz" would be modified to "/xyz/bar". Note that this matches the behavior of the PathPrefix match type. This matches full path elements. A path element refers to the list of labels in the path split by the ``/`` separator. When specified, a trailing ``/`` is ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all match the prefix ``/abc``, but the path ``/abcd`` would not. ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch. Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in the implementation setting the Accepted Condition for the Route to ``status: False``. Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesFiltersRequestRedirectPath
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__67853534be061288b483538b490f0915426c6e1109350f516da48b979f40f3f0)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument replace_full_path", value=replace_full_path, expected_type=type_hints["replace_full_path"])
            check_type(argname="argument replace_prefix_match", value=replace_prefix_match, expected_type=type_hints["replace_prefix_match"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if replace_full_path is not None:
            self._values["replace_full_path"] = replace_full_path
        if replace_prefix_match is not None:
            self._values["replace_prefix_match"] = replace_prefix_match

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesFiltersRequestRedirectPathType":
        '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesFiltersRequestRedirectPath#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesFiltersRequestRedirectPathType", result)

    @builtins.property
    def replace_full_path(self) -> typing.Optional[builtins.str]:
        '''ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.

        :schema: HttpRouteSpecRulesFiltersRequestRedirectPath#replaceFullPath
        '''
        result = self._values.get("replace_full_path")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def replace_prefix_match(self) -> typing.Optional[builtins.str]:
        '''ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect.

        For example, a request
        to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch
        of "/xyz" would be modified to "/xyz/bar".

        Note that this matches the behavior of the PathPrefix match type. This
        matches full path elements. A path element refers to the list of labels
        in the path split by the ``/`` separator. When specified, a trailing ``/`` is
        ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all
        match the prefix ``/abc``, but the path ``/abcd`` would not.

        ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch.
        Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in
        the implementation setting the Accepted Condition for the Route to ``status: False``.

        Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesFiltersRequestRedirectPath#replacePrefixMatch
        '''
        result = self._values.get("replace_prefix_match")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersRequestRedirectPath(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestRedirectPathType"
)
class HttpRouteSpecRulesFiltersRequestRedirectPathType(enum.Enum):
    '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesFiltersRequestRedirectPathType
    '''

    REPLACE_FULL_PATH = "REPLACE_FULL_PATH"
    '''ReplaceFullPath.'''
    REPLACE_PREFIX_MATCH = "REPLACE_PREFIX_MATCH"
    '''ReplacePrefixMatch.'''


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestRedirectScheme"
)
class HttpRouteSpecRulesFiltersRequestRedirectScheme(enum.Enum):
    '''Scheme is the scheme to be used in the value of the ``Location`` header in the response.

    When empty, the scheme of the request is used.

    Scheme redirects can affect the port of the redirect, for more information,
    refer to the documentation for the port field of this filter.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    Support: Extended

    :schema: HttpRouteSpecRulesFiltersRequestRedirectScheme
    '''

    HTTP = "HTTP"
    '''http.'''
    HTTPS = "HTTPS"
    '''https.'''


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersRequestRedirectStatusCode"
)
class HttpRouteSpecRulesFiltersRequestRedirectStatusCode(enum.Enum):
    '''StatusCode is the HTTP status code to be used in response.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    Support: Core

    :schema: HttpRouteSpecRulesFiltersRequestRedirectStatusCode
    '''

    VALUE_301 = "VALUE_301"
    '''301.'''
    VALUE_302 = "VALUE_302"
    '''302.'''
    VALUE_303 = "VALUE_303"
    '''303.'''
    VALUE_307 = "VALUE_307"
    '''307.'''
    VALUE_308 = "VALUE_308"
    '''308.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersResponseHeaderModifier",
    jsii_struct_bases=[],
    name_mapping={"add": "add", "remove": "remove", "set": "set"},
)
class HttpRouteSpecRulesFiltersResponseHeaderModifier:
    def __init__(
        self,
        *,
        add: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesFiltersResponseHeaderModifierAdd", typing.Dict[builtins.str, typing.Any]]]] = None,
        remove: typing.Optional[typing.Sequence[builtins.str]] = None,
        set: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesFiltersResponseHeaderModifierSet", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''ResponseHeaderModifier defines a schema for a filter that modifies response headers.

        Support: Extended

        :param add: Add adds the given header(s) (name, value) to the request before the action. It appends to any existing values associated with the header name. Input: GET /foo HTTP/1.1 my-header: foo Config: add: - name: "my-header" value: "bar,baz" Output: GET /foo HTTP/1.1 my-header: foo,bar,baz
        :param remove: Remove the given header(s) from the HTTP request before the action. The value of Remove is a list of HTTP header names. Note that the header names are case-insensitive (see https://datatracker.ietf.org/doc/html/rfc2616#section-4.2). Input: GET /foo HTTP/1.1 my-header1: foo my-header2: bar my-header3: baz Config: remove: ["my-header1", "my-header3"] Output: GET /foo HTTP/1.1 my-header2: bar
        :param set: Set overwrites the request with the given header (name, value) before the action. Input: GET /foo HTTP/1.1 my-header: foo Config: set: - name: "my-header" value: "bar" Output: GET /foo HTTP/1.1 my-header: bar

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifier
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c8caf5a81d428a610772404fe4b478853786fa3f7eb4cf0a94b78f91b8264980)
            check_type(argname="argument add", value=add, expected_type=type_hints["add"])
            check_type(argname="argument remove", value=remove, expected_type=type_hints["remove"])
            check_type(argname="argument set", value=set, expected_type=type_hints["set"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if add is not None:
            self._values["add"] = add
        if remove is not None:
            self._values["remove"] = remove
        if set is not None:
            self._values["set"] = set

    @builtins.property
    def add(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesFiltersResponseHeaderModifierAdd"]]:
        '''Add adds the given header(s) (name, value) to the request before the action.

        It appends to any existing values associated
        with the header name.

        Input:
        GET /foo HTTP/1.1
        my-header: foo

        Config:
        add:

        - name: "my-header"
          value: "bar,baz"

        Output:
        GET /foo HTTP/1.1
        my-header: foo,bar,baz

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifier#add
        '''
        result = self._values.get("add")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFiltersResponseHeaderModifierAdd"]], result)

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

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifier#remove
        '''
        result = self._values.get("remove")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def set(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesFiltersResponseHeaderModifierSet"]]:
        '''Set overwrites the request with the given header (name, value) before the action.

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

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifier#set
        '''
        result = self._values.get("set")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesFiltersResponseHeaderModifierSet"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersResponseHeaderModifier(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersResponseHeaderModifierAdd",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesFiltersResponseHeaderModifierAdd:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierAdd
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__9361d975d44e1fabcdad38a63367d013a6a261e87e760c145fc8216c9ed59246)
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

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierAdd#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierAdd#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersResponseHeaderModifierAdd(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersResponseHeaderModifierSet",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value"},
)
class HttpRouteSpecRulesFiltersResponseHeaderModifierSet:
    def __init__(self, *, name: builtins.str, value: builtins.str) -> None:
        '''HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent.
        :param value: Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierSet
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f075ed948b3a8e1a61077a147c4bb60ea98bc2b4546b74a8f960ae2142e875ec)
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

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierSet#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesFiltersResponseHeaderModifierSet#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersResponseHeaderModifierSet(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersType")
class HttpRouteSpecRulesFiltersType(enum.Enum):
    '''Type identifies the type of filter to apply. As with other API fields, types are classified into three conformance levels:.

    - Core: Filter types and their corresponding configuration defined by
      "Support: Core" in this package, e.g. "RequestHeaderModifier". All
      implementations must support core filters.
    - Extended: Filter types and their corresponding configuration defined by
      "Support: Extended" in this package, e.g. "RequestMirror". Implementers
      are encouraged to support extended filters.
    - Implementation-specific: Filters that are defined and supported by
      specific vendors.
      In the future, filters showing convergence in behavior across multiple
      implementations will be considered for inclusion in extended or core
      conformance levels. Filter-specific configuration for such filters
      is specified using the ExtensionRef field. ``Type`` should be set to
      "ExtensionRef" for custom filters.

    Implementers are encouraged to define custom implementation types to
    extend the core API with implementation-specific behavior.

    If a reference to a custom filter type cannot be resolved, the filter
    MUST NOT be skipped. Instead, requests that would have been processed by
    that filter MUST receive a HTTP error response.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesFiltersType
    '''

    REQUEST_HEADER_MODIFIER = "REQUEST_HEADER_MODIFIER"
    '''RequestHeaderModifier.'''
    RESPONSE_HEADER_MODIFIER = "RESPONSE_HEADER_MODIFIER"
    '''ResponseHeaderModifier.'''
    REQUEST_MIRROR = "REQUEST_MIRROR"
    '''RequestMirror.'''
    REQUEST_REDIRECT = "REQUEST_REDIRECT"
    '''RequestRedirect.'''
    URL_REWRITE = "URL_REWRITE"
    '''URLRewrite.'''
    EXTENSION_REF = "EXTENSION_REF"
    '''ExtensionRef.'''
    CORS = "CORS"
    '''CORS.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersUrlRewrite",
    jsii_struct_bases=[],
    name_mapping={"hostname": "hostname", "path": "path"},
)
class HttpRouteSpecRulesFiltersUrlRewrite:
    def __init__(
        self,
        *,
        hostname: typing.Optional[builtins.str] = None,
        path: typing.Optional[typing.Union["HttpRouteSpecRulesFiltersUrlRewritePath", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''URLRewrite defines a schema for a filter that modifies a request during forwarding.

        Support: Extended

        :param hostname: Hostname is the value to be used to replace the Host header value during forwarding. Support: Extended
        :param path: Path defines a path rewrite. Support: Extended

        :schema: HttpRouteSpecRulesFiltersUrlRewrite
        '''
        if isinstance(path, dict):
            path = HttpRouteSpecRulesFiltersUrlRewritePath(**path)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__97d0e4901dc924bbb822e842794f536b31e313eba2632a47a541cc00f07157b8)
            check_type(argname="argument hostname", value=hostname, expected_type=type_hints["hostname"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hostname is not None:
            self._values["hostname"] = hostname
        if path is not None:
            self._values["path"] = path

    @builtins.property
    def hostname(self) -> typing.Optional[builtins.str]:
        '''Hostname is the value to be used to replace the Host header value during forwarding.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersUrlRewrite#hostname
        '''
        result = self._values.get("hostname")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def path(self) -> typing.Optional["HttpRouteSpecRulesFiltersUrlRewritePath"]:
        '''Path defines a path rewrite.

        Support: Extended

        :schema: HttpRouteSpecRulesFiltersUrlRewrite#path
        '''
        result = self._values.get("path")
        return typing.cast(typing.Optional["HttpRouteSpecRulesFiltersUrlRewritePath"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersUrlRewrite(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersUrlRewritePath",
    jsii_struct_bases=[],
    name_mapping={
        "type": "type",
        "replace_full_path": "replaceFullPath",
        "replace_prefix_match": "replacePrefixMatch",
    },
)
class HttpRouteSpecRulesFiltersUrlRewritePath:
    def __init__(
        self,
        *,
        type: "HttpRouteSpecRulesFiltersUrlRewritePathType",
        replace_full_path: typing.Optional[builtins.str] = None,
        replace_prefix_match: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Path defines a path rewrite.

        Support: Extended

        :param type: Type defines the type of path modifier. Additional types may be added in a future release of the API. Note that values may be added to this enum, implementations must ensure that unknown values will not cause a crash. Unknown values here must result in the implementation setting the Accepted Condition for the Route to ``status: False``, with a Reason of ``UnsupportedValue``.
        :param replace_full_path: ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.
        :param replace_prefix_match: ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect. For example, a request to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch of "/xyz" would be modified to "/xyz/bar". Note that this matches the behavior of the PathPrefix match type. This matches full path elements. A path element refers to the list of labels in the path split by the ``/`` separator. When specified, a trailing ``/`` is ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all match the prefix ``/abc``, but the path ``/abcd`` would not. ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch. Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in the implementation setting the Accepted Condition for the Route to ``status: False``. Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesFiltersUrlRewritePath
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3985c433a9b6b019a61967074d228c0fd887d8f5db6e23631b34f31e84592552)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument replace_full_path", value=replace_full_path, expected_type=type_hints["replace_full_path"])
            check_type(argname="argument replace_prefix_match", value=replace_prefix_match, expected_type=type_hints["replace_prefix_match"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "type": type,
        }
        if replace_full_path is not None:
            self._values["replace_full_path"] = replace_full_path
        if replace_prefix_match is not None:
            self._values["replace_prefix_match"] = replace_prefix_match

    @builtins.property
    def type(self) -> "HttpRouteSpecRulesFiltersUrlRewritePathType":
        '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

        Note that values may be added to this enum, implementations
        must ensure that unknown values will not cause a crash.

        Unknown values here must result in the implementation setting the
        Accepted Condition for the Route to ``status: False``, with a
        Reason of ``UnsupportedValue``.

        :schema: HttpRouteSpecRulesFiltersUrlRewritePath#type
        '''
        result = self._values.get("type")
        assert result is not None, "Required property 'type' is missing"
        return typing.cast("HttpRouteSpecRulesFiltersUrlRewritePathType", result)

    @builtins.property
    def replace_full_path(self) -> typing.Optional[builtins.str]:
        '''ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.

        :schema: HttpRouteSpecRulesFiltersUrlRewritePath#replaceFullPath
        '''
        result = self._values.get("replace_full_path")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def replace_prefix_match(self) -> typing.Optional[builtins.str]:
        '''ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect.

        For example, a request
        to "/foo/bar" with a prefix match of "/foo" and a ReplacePrefixMatch
        of "/xyz" would be modified to "/xyz/bar".

        Note that this matches the behavior of the PathPrefix match type. This
        matches full path elements. A path element refers to the list of labels
        in the path split by the ``/`` separator. When specified, a trailing ``/`` is
        ignored. For example, the paths ``/abc``, ``/abc/``, and ``/abc/def`` would all
        match the prefix ``/abc``, but the path ``/abcd`` would not.

        ReplacePrefixMatch is only compatible with a ``PathPrefix`` HTTPRouteMatch.
        Using any other HTTPRouteMatch type on the same HTTPRouteRule will result in
        the implementation setting the Accepted Condition for the Route to ``status: False``.

        Request Path | Prefix Match | Replace Prefix | Modified Path

        :schema: HttpRouteSpecRulesFiltersUrlRewritePath#replacePrefixMatch
        '''
        result = self._values.get("replace_prefix_match")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesFiltersUrlRewritePath(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesFiltersUrlRewritePathType"
)
class HttpRouteSpecRulesFiltersUrlRewritePathType(enum.Enum):
    '''Type defines the type of path modifier. Additional types may be added in a future release of the API.

    Note that values may be added to this enum, implementations
    must ensure that unknown values will not cause a crash.

    Unknown values here must result in the implementation setting the
    Accepted Condition for the Route to ``status: False``, with a
    Reason of ``UnsupportedValue``.

    :schema: HttpRouteSpecRulesFiltersUrlRewritePathType
    '''

    REPLACE_FULL_PATH = "REPLACE_FULL_PATH"
    '''ReplaceFullPath.'''
    REPLACE_PREFIX_MATCH = "REPLACE_PREFIX_MATCH"
    '''ReplacePrefixMatch.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatches",
    jsii_struct_bases=[],
    name_mapping={
        "headers": "headers",
        "method": "method",
        "path": "path",
        "query_params": "queryParams",
    },
)
class HttpRouteSpecRulesMatches:
    def __init__(
        self,
        *,
        headers: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesMatchesHeaders", typing.Dict[builtins.str, typing.Any]]]] = None,
        method: typing.Optional["HttpRouteSpecRulesMatchesMethod"] = None,
        path: typing.Optional[typing.Union["HttpRouteSpecRulesMatchesPath", typing.Dict[builtins.str, typing.Any]]] = None,
        query_params: typing.Optional[typing.Sequence[typing.Union["HttpRouteSpecRulesMatchesQueryParams", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''HTTPRouteMatch defines the predicate used to match requests to a given action.

        Multiple match types are ANDed together, i.e. the match will
        evaluate to true only if all conditions are satisfied.

        For example, the match below will match a HTTP request only if its path
        starts with ``/foo`` AND it contains the ``version: v1`` header::

           match:

           path:
           value: "/foo"
           headers:
           - name: "version"
           value "v1"

        :param headers: Headers specifies HTTP request header matchers. Multiple match values are ANDed together, meaning, a request must match all the specified headers to select the route.
        :param method: Method specifies HTTP method matcher. When specified, this route will be matched only if the request has the specified method. Support: Extended
        :param path: Path specifies a HTTP request path matcher. If this field is not specified, a default prefix match on the "/" path is provided.
        :param query_params: QueryParams specifies HTTP query parameter matchers. Multiple match values are ANDed together, meaning, a request must match all the specified query parameters to select the route. Support: Extended

        :schema: HttpRouteSpecRulesMatches
        '''
        if isinstance(path, dict):
            path = HttpRouteSpecRulesMatchesPath(**path)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__37d1ef6c0a17c99a660bb4c8398a39cc7f92b969d2d9d134833356dec2b4e2d6)
            check_type(argname="argument headers", value=headers, expected_type=type_hints["headers"])
            check_type(argname="argument method", value=method, expected_type=type_hints["method"])
            check_type(argname="argument path", value=path, expected_type=type_hints["path"])
            check_type(argname="argument query_params", value=query_params, expected_type=type_hints["query_params"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if headers is not None:
            self._values["headers"] = headers
        if method is not None:
            self._values["method"] = method
        if path is not None:
            self._values["path"] = path
        if query_params is not None:
            self._values["query_params"] = query_params

    @builtins.property
    def headers(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesMatchesHeaders"]]:
        '''Headers specifies HTTP request header matchers.

        Multiple match values are
        ANDed together, meaning, a request must match all the specified headers
        to select the route.

        :schema: HttpRouteSpecRulesMatches#headers
        '''
        result = self._values.get("headers")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesMatchesHeaders"]], result)

    @builtins.property
    def method(self) -> typing.Optional["HttpRouteSpecRulesMatchesMethod"]:
        '''Method specifies HTTP method matcher. When specified, this route will be matched only if the request has the specified method.

        Support: Extended

        :schema: HttpRouteSpecRulesMatches#method
        '''
        result = self._values.get("method")
        return typing.cast(typing.Optional["HttpRouteSpecRulesMatchesMethod"], result)

    @builtins.property
    def path(self) -> typing.Optional["HttpRouteSpecRulesMatchesPath"]:
        '''Path specifies a HTTP request path matcher.

        If this field is not
        specified, a default prefix match on the "/" path is provided.

        :schema: HttpRouteSpecRulesMatches#path
        '''
        result = self._values.get("path")
        return typing.cast(typing.Optional["HttpRouteSpecRulesMatchesPath"], result)

    @builtins.property
    def query_params(
        self,
    ) -> typing.Optional[typing.List["HttpRouteSpecRulesMatchesQueryParams"]]:
        '''QueryParams specifies HTTP query parameter matchers.

        Multiple match
        values are ANDed together, meaning, a request must match all the
        specified query parameters to select the route.

        Support: Extended

        :schema: HttpRouteSpecRulesMatches#queryParams
        '''
        result = self._values.get("query_params")
        return typing.cast(typing.Optional[typing.List["HttpRouteSpecRulesMatchesQueryParams"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesMatches(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesHeaders",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value", "type": "type"},
)
class HttpRouteSpecRulesMatchesHeaders:
    def __init__(
        self,
        *,
        name: builtins.str,
        value: builtins.str,
        type: typing.Optional["HttpRouteSpecRulesMatchesHeadersType"] = None,
    ) -> None:
        '''HTTPHeaderMatch describes how to select a HTTP route by matching HTTP request headers.

        :param name: Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive. (See https://tools.ietf.org/html/rfc7230#section-3.2). If multiple entries specify equivalent header names, only the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent header name MUST be ignored. Due to the case-insensitivity of header names, "foo" and "Foo" are considered equivalent. When a header is repeated in an HTTP request, it is implementation-specific behavior as to how this is represented. Generally, proxies should follow the guidance from the RFC: https://www.rfc-editor.org/rfc/rfc7230.html#section-3.2.2 regarding processing a repeated header, with special handling for "Set-Cookie".
        :param value: Value is the value of HTTP Header to be matched.
        :param type: Type specifies how to match against the value of the header. Support: Core (Exact) Support: Implementation-specific (RegularExpression) Since RegularExpression HeaderMatchType has implementation-specific conformance, implementations can support POSIX, PCRE or any other dialects of regular expressions. Please read the implementation's documentation to determine the supported dialect.

        :schema: HttpRouteSpecRulesMatchesHeaders
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fd8e180e3f8e00d0130f74016485e38b4c79479efb444fa62915051b4b33b2d9)
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

        :schema: HttpRouteSpecRulesMatchesHeaders#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP Header to be matched.

        :schema: HttpRouteSpecRulesMatchesHeaders#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def type(self) -> typing.Optional["HttpRouteSpecRulesMatchesHeadersType"]:
        '''Type specifies how to match against the value of the header.

        Support: Core (Exact)

        Support: Implementation-specific (RegularExpression)

        Since RegularExpression HeaderMatchType has implementation-specific
        conformance, implementations can support POSIX, PCRE or any other dialects
        of regular expressions. Please read the implementation's documentation to
        determine the supported dialect.

        :schema: HttpRouteSpecRulesMatchesHeaders#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional["HttpRouteSpecRulesMatchesHeadersType"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesMatchesHeaders(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesHeadersType")
class HttpRouteSpecRulesMatchesHeadersType(enum.Enum):
    '''Type specifies how to match against the value of the header.

    Support: Core (Exact)

    Support: Implementation-specific (RegularExpression)

    Since RegularExpression HeaderMatchType has implementation-specific
    conformance, implementations can support POSIX, PCRE or any other dialects
    of regular expressions. Please read the implementation's documentation to
    determine the supported dialect.

    :schema: HttpRouteSpecRulesMatchesHeadersType
    '''

    EXACT = "EXACT"
    '''Exact.'''
    REGULAR_EXPRESSION = "REGULAR_EXPRESSION"
    '''RegularExpression.'''


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesMethod")
class HttpRouteSpecRulesMatchesMethod(enum.Enum):
    '''Method specifies HTTP method matcher. When specified, this route will be matched only if the request has the specified method.

    Support: Extended

    :schema: HttpRouteSpecRulesMatchesMethod
    '''

    GET = "GET"
    '''GET.'''
    HEAD = "HEAD"
    '''HEAD.'''
    POST = "POST"
    '''POST.'''
    PUT = "PUT"
    '''PUT.'''
    DELETE = "DELETE"
    '''DELETE.'''
    CONNECT = "CONNECT"
    '''CONNECT.'''
    OPTIONS = "OPTIONS"
    '''OPTIONS.'''
    TRACE = "TRACE"
    '''TRACE.'''
    PATCH = "PATCH"
    '''PATCH.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesPath",
    jsii_struct_bases=[],
    name_mapping={"type": "type", "value": "value"},
)
class HttpRouteSpecRulesMatchesPath:
    def __init__(
        self,
        *,
        type: typing.Optional["HttpRouteSpecRulesMatchesPathType"] = None,
        value: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Path specifies a HTTP request path matcher.

        If this field is not
        specified, a default prefix match on the "/" path is provided.

        :param type: Type specifies how to match against the path Value. Support: Core (Exact, PathPrefix) Support: Implementation-specific (RegularExpression)
        :param value: Value of the HTTP path to match against.

        :schema: HttpRouteSpecRulesMatchesPath
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__39ea4a14214306e189b94f703c27edb2002b16df7458e9462bffdbab8eadd620)
            check_type(argname="argument type", value=type, expected_type=type_hints["type"])
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if type is not None:
            self._values["type"] = type
        if value is not None:
            self._values["value"] = value

    @builtins.property
    def type(self) -> typing.Optional["HttpRouteSpecRulesMatchesPathType"]:
        '''Type specifies how to match against the path Value.

        Support: Core (Exact, PathPrefix)

        Support: Implementation-specific (RegularExpression)

        :schema: HttpRouteSpecRulesMatchesPath#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional["HttpRouteSpecRulesMatchesPathType"], result)

    @builtins.property
    def value(self) -> typing.Optional[builtins.str]:
        '''Value of the HTTP path to match against.

        :schema: HttpRouteSpecRulesMatchesPath#value
        '''
        result = self._values.get("value")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesMatchesPath(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesPathType")
class HttpRouteSpecRulesMatchesPathType(enum.Enum):
    '''Type specifies how to match against the path Value.

    Support: Core (Exact, PathPrefix)

    Support: Implementation-specific (RegularExpression)

    :schema: HttpRouteSpecRulesMatchesPathType
    '''

    EXACT = "EXACT"
    '''Exact.'''
    PATH_PREFIX = "PATH_PREFIX"
    '''PathPrefix.'''
    REGULAR_EXPRESSION = "REGULAR_EXPRESSION"
    '''RegularExpression.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesQueryParams",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "value": "value", "type": "type"},
)
class HttpRouteSpecRulesMatchesQueryParams:
    def __init__(
        self,
        *,
        name: builtins.str,
        value: builtins.str,
        type: typing.Optional["HttpRouteSpecRulesMatchesQueryParamsType"] = None,
    ) -> None:
        '''HTTPQueryParamMatch describes how to select a HTTP route by matching HTTP query parameters.

        :param name: Name is the name of the HTTP query param to be matched. This must be an exact string match. (See https://tools.ietf.org/html/rfc7230#section-2.7.3). If multiple entries specify equivalent query param names, only the first entry with an equivalent name MUST be considered for a match. Subsequent entries with an equivalent query param name MUST be ignored. If a query param is repeated in an HTTP request, the behavior is purposely left undefined, since different data planes have different capabilities. However, it is *recommended* that implementations should match against the first value of the param if the data plane supports it, as this behavior is expected in other load balancing contexts outside of the Gateway API. Users SHOULD NOT route traffic based on repeated query params to guard themselves against potential differences in the implementations.
        :param value: Value is the value of HTTP query param to be matched.
        :param type: Type specifies how to match against the value of the query parameter. Support: Extended (Exact) Support: Implementation-specific (RegularExpression) Since RegularExpression QueryParamMatchType has Implementation-specific conformance, implementations can support POSIX, PCRE or any other dialects of regular expressions. Please read the implementation's documentation to determine the supported dialect.

        :schema: HttpRouteSpecRulesMatchesQueryParams
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__e9c44bace0257062b1e81acf9c8d62a31927ee3fcf8fdb8c0f669d538f4d4563)
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
        '''Name is the name of the HTTP query param to be matched. This must be an exact string match. (See https://tools.ietf.org/html/rfc7230#section-2.7.3).

        If multiple entries specify equivalent query param names, only the first
        entry with an equivalent name MUST be considered for a match. Subsequent
        entries with an equivalent query param name MUST be ignored.

        If a query param is repeated in an HTTP request, the behavior is
        purposely left undefined, since different data planes have different
        capabilities. However, it is *recommended* that implementations should
        match against the first value of the param if the data plane supports it,
        as this behavior is expected in other load balancing contexts outside of
        the Gateway API.

        Users SHOULD NOT route traffic based on repeated query params to guard
        themselves against potential differences in the implementations.

        :schema: HttpRouteSpecRulesMatchesQueryParams#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def value(self) -> builtins.str:
        '''Value is the value of HTTP query param to be matched.

        :schema: HttpRouteSpecRulesMatchesQueryParams#value
        '''
        result = self._values.get("value")
        assert result is not None, "Required property 'value' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def type(self) -> typing.Optional["HttpRouteSpecRulesMatchesQueryParamsType"]:
        '''Type specifies how to match against the value of the query parameter.

        Support: Extended (Exact)

        Support: Implementation-specific (RegularExpression)

        Since RegularExpression QueryParamMatchType has Implementation-specific
        conformance, implementations can support POSIX, PCRE or any other
        dialects of regular expressions. Please read the implementation's
        documentation to determine the supported dialect.

        :schema: HttpRouteSpecRulesMatchesQueryParams#type
        '''
        result = self._values.get("type")
        return typing.cast(typing.Optional["HttpRouteSpecRulesMatchesQueryParamsType"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesMatchesQueryParams(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesMatchesQueryParamsType")
class HttpRouteSpecRulesMatchesQueryParamsType(enum.Enum):
    '''Type specifies how to match against the value of the query parameter.

    Support: Extended (Exact)

    Support: Implementation-specific (RegularExpression)

    Since RegularExpression QueryParamMatchType has Implementation-specific
    conformance, implementations can support POSIX, PCRE or any other
    dialects of regular expressions. Please read the implementation's
    documentation to determine the supported dialect.

    :schema: HttpRouteSpecRulesMatchesQueryParamsType
    '''

    EXACT = "EXACT"
    '''Exact.'''
    REGULAR_EXPRESSION = "REGULAR_EXPRESSION"
    '''RegularExpression.'''


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.HttpRouteSpecRulesTimeouts",
    jsii_struct_bases=[],
    name_mapping={"backend_request": "backendRequest", "request": "request"},
)
class HttpRouteSpecRulesTimeouts:
    def __init__(
        self,
        *,
        backend_request: typing.Optional[builtins.str] = None,
        request: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Timeouts defines the timeouts that can be configured for an HTTP request.

        Support: Extended

        :param backend_request: BackendRequest specifies a timeout for an individual request from the gateway to a backend. This covers the time from when the request first starts being sent from the gateway to when the full response has been received from the backend. Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout completely. Implementations that cannot completely disable the timeout MUST instead interpret the zero duration as the longest possible value to which the timeout can be set. An entire client HTTP transaction with a gateway, covered by the Request timeout, may result in more than one call from the gateway to the destination backend, for example, if automatic retries are supported. The value of BackendRequest must be a Gateway API Duration string as defined by GEP-2257. When this field is unspecified, its behavior is implementation-specific; when specified, the value of BackendRequest must be no more than the value of the Request timeout (since the Request timeout encompasses the BackendRequest timeout). Support: Extended
        :param request: Request specifies the maximum duration for a gateway to respond to an HTTP request. If the gateway has not been able to respond before this deadline is met, the gateway MUST return a timeout error. For example, setting the ``rules.timeouts.request`` field to the value ``10s`` in an ``HTTPRoute`` will cause a timeout if a client request is taking longer than 10 seconds to complete. Setting a timeout to the zero duration (e.g. "0s") SHOULD disable the timeout completely. Implementations that cannot completely disable the timeout MUST instead interpret the zero duration as the longest possible value to which the timeout can be set. This timeout is intended to cover as close to the whole request-response transaction as possible although an implementation MAY choose to start the timeout after the entire request stream has been received instead of immediately after the transaction is initiated by the client. The value of Request is a Gateway API Duration string as defined by GEP-2257. When this field is unspecified, request timeout behavior is implementation-specific. Support: Extended

        :schema: HttpRouteSpecRulesTimeouts
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4d08ca77c7510811b0346a407f8a737304c99ed488cf6681249e1d53610d83f4)
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

        :schema: HttpRouteSpecRulesTimeouts#backendRequest
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

        :schema: HttpRouteSpecRulesTimeouts#request
        '''
        result = self._values.get("request")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "HttpRouteSpecRulesTimeouts(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class ReferenceGrant(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="iok8snetworkinggateway.ReferenceGrant",
):
    '''ReferenceGrant identifies kinds of resources in other namespaces that are trusted to reference the specified kinds of resources in the same namespace as the policy.

    Each ReferenceGrant can be used to represent a unique trust relationship.
    Additional Reference Grants can be used to add to the set of trusted
    sources of inbound references for the namespace they are defined within.

    All cross-namespace references in Gateway API (with the exception of cross-namespace
    Gateway-route attachment) require a ReferenceGrant.

    ReferenceGrant is a form of runtime verification allowing users to assert
    which cross-namespace object references are permitted. Implementations that
    support ReferenceGrant MUST NOT permit cross-namespace references which have
    no grant, and MUST respond to the removal of a grant by revoking the access
    that the grant allowed.

    :schema: ReferenceGrant
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        spec: typing.Union["ReferenceGrantSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "ReferenceGrant" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param spec: Spec defines the desired state of ReferenceGrant.
        :param metadata: 
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__81d9212556676ee9be2cc2960ac21cecea21bcbeb64f6ba996a36a7a24abf47e)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = ReferenceGrantProps(spec=spec, metadata=metadata)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        spec: typing.Union["ReferenceGrantSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "ReferenceGrant".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param spec: Spec defines the desired state of ReferenceGrant.
        :param metadata: 
        '''
        props = ReferenceGrantProps(spec=spec, metadata=metadata)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "ReferenceGrant".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.ReferenceGrantProps",
    jsii_struct_bases=[],
    name_mapping={"spec": "spec", "metadata": "metadata"},
)
class ReferenceGrantProps:
    def __init__(
        self,
        *,
        spec: typing.Union["ReferenceGrantSpec", typing.Dict[builtins.str, typing.Any]],
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''ReferenceGrant identifies kinds of resources in other namespaces that are trusted to reference the specified kinds of resources in the same namespace as the policy.

        Each ReferenceGrant can be used to represent a unique trust relationship.
        Additional Reference Grants can be used to add to the set of trusted
        sources of inbound references for the namespace they are defined within.

        All cross-namespace references in Gateway API (with the exception of cross-namespace
        Gateway-route attachment) require a ReferenceGrant.

        ReferenceGrant is a form of runtime verification allowing users to assert
        which cross-namespace object references are permitted. Implementations that
        support ReferenceGrant MUST NOT permit cross-namespace references which have
        no grant, and MUST respond to the removal of a grant by revoking the access
        that the grant allowed.

        :param spec: Spec defines the desired state of ReferenceGrant.
        :param metadata: 

        :schema: ReferenceGrant
        '''
        if isinstance(spec, dict):
            spec = ReferenceGrantSpec(**spec)
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f20dc238b58a498116c6f2df49ea56a67fa6567046da55684c67053dcec1fafb)
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "spec": spec,
        }
        if metadata is not None:
            self._values["metadata"] = metadata

    @builtins.property
    def spec(self) -> "ReferenceGrantSpec":
        '''Spec defines the desired state of ReferenceGrant.

        :schema: ReferenceGrant#spec
        '''
        result = self._values.get("spec")
        assert result is not None, "Required property 'spec' is missing"
        return typing.cast("ReferenceGrantSpec", result)

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: ReferenceGrant#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "ReferenceGrantProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.ReferenceGrantSpec",
    jsii_struct_bases=[],
    name_mapping={"from_": "from", "to": "to"},
)
class ReferenceGrantSpec:
    def __init__(
        self,
        *,
        from_: typing.Sequence[typing.Union["ReferenceGrantSpecFrom", typing.Dict[builtins.str, typing.Any]]],
        to: typing.Sequence[typing.Union["ReferenceGrantSpecTo", typing.Dict[builtins.str, typing.Any]]],
    ) -> None:
        '''Spec defines the desired state of ReferenceGrant.

        :param from_: From describes the trusted namespaces and kinds that can reference the resources described in "To". Each entry in this list MUST be considered to be an additional place that references can be valid from, or to put this another way, entries MUST be combined using OR. Support: Core
        :param to: To describes the resources that may be referenced by the resources described in "From". Each entry in this list MUST be considered to be an additional place that references can be valid to, or to put this another way, entries MUST be combined using OR. Support: Core

        :schema: ReferenceGrantSpec
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__96010009a452aad463127df29730dcc6958172db51f843a6c8174d4bbcd87d06)
            check_type(argname="argument from_", value=from_, expected_type=type_hints["from_"])
            check_type(argname="argument to", value=to, expected_type=type_hints["to"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "from_": from_,
            "to": to,
        }

    @builtins.property
    def from_(self) -> typing.List["ReferenceGrantSpecFrom"]:
        '''From describes the trusted namespaces and kinds that can reference the resources described in "To".

        Each entry in this list MUST be considered
        to be an additional place that references can be valid from, or to put
        this another way, entries MUST be combined using OR.

        Support: Core

        :schema: ReferenceGrantSpec#from
        '''
        result = self._values.get("from_")
        assert result is not None, "Required property 'from_' is missing"
        return typing.cast(typing.List["ReferenceGrantSpecFrom"], result)

    @builtins.property
    def to(self) -> typing.List["ReferenceGrantSpecTo"]:
        '''To describes the resources that may be referenced by the resources described in "From".

        Each entry in this list MUST be considered to be an
        additional place that references can be valid to, or to put this another
        way, entries MUST be combined using OR.

        Support: Core

        :schema: ReferenceGrantSpec#to
        '''
        result = self._values.get("to")
        assert result is not None, "Required property 'to' is missing"
        return typing.cast(typing.List["ReferenceGrantSpecTo"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "ReferenceGrantSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.ReferenceGrantSpecFrom",
    jsii_struct_bases=[],
    name_mapping={"group": "group", "kind": "kind", "namespace": "namespace"},
)
class ReferenceGrantSpecFrom:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        namespace: builtins.str,
    ) -> None:
        '''ReferenceGrantFrom describes trusted namespaces and kinds.

        :param group: Group is the group of the referent. When empty, the Kubernetes core API group is inferred. Support: Core
        :param kind: Kind is the kind of the referent. Although implementations may support additional resources, the following types are part of the "Core" support level for this field. When used to permit a SecretObjectReference: - Gateway When used to permit a BackendObjectReference: - GRPCRoute - HTTPRoute - TCPRoute - TLSRoute - UDPRoute
        :param namespace: Namespace is the namespace of the referent. Support: Core

        :schema: ReferenceGrantSpecFrom
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__582860a4e676876ab72f52945f0cb7ed1069dd85945bdc0e8c6f682192ab5443)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
            "namespace": namespace,
        }

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent. When empty, the Kubernetes core API group is inferred.

        Support: Core

        :schema: ReferenceGrantSpecFrom#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is the kind of the referent.

        Although implementations may support
        additional resources, the following types are part of the "Core"
        support level for this field.

        When used to permit a SecretObjectReference:

        - Gateway

        When used to permit a BackendObjectReference:

        - GRPCRoute
        - HTTPRoute
        - TCPRoute
        - TLSRoute
        - UDPRoute

        :schema: ReferenceGrantSpecFrom#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> builtins.str:
        '''Namespace is the namespace of the referent.

        Support: Core

        :schema: ReferenceGrantSpecFrom#namespace
        '''
        result = self._values.get("namespace")
        assert result is not None, "Required property 'namespace' is missing"
        return typing.cast(builtins.str, result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "ReferenceGrantSpecFrom(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="iok8snetworkinggateway.ReferenceGrantSpecTo",
    jsii_struct_bases=[],
    name_mapping={"group": "group", "kind": "kind", "name": "name"},
)
class ReferenceGrantSpecTo:
    def __init__(
        self,
        *,
        group: builtins.str,
        kind: builtins.str,
        name: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ReferenceGrantTo describes what Kinds are allowed as targets of the references.

        :param group: Group is the group of the referent. When empty, the Kubernetes core API group is inferred. Support: Core
        :param kind: Kind is the kind of the referent. Although implementations may support additional resources, the following types are part of the "Core" support level for this field: - Secret when used to permit a SecretObjectReference - Service when used to permit a BackendObjectReference
        :param name: Name is the name of the referent. When unspecified, this policy refers to all resources of the specified Group and Kind in the local namespace.

        :schema: ReferenceGrantSpecTo
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__06deeee2e6362ddf4c1e057d9a2f47fd7d8c4d81d3cdbca9780c1baec25ff581)
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "group": group,
            "kind": kind,
        }
        if name is not None:
            self._values["name"] = name

    @builtins.property
    def group(self) -> builtins.str:
        '''Group is the group of the referent. When empty, the Kubernetes core API group is inferred.

        Support: Core

        :schema: ReferenceGrantSpecTo#group
        '''
        result = self._values.get("group")
        assert result is not None, "Required property 'group' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def kind(self) -> builtins.str:
        '''Kind is the kind of the referent.

        Although implementations may support
        additional resources, the following types are part of the "Core"
        support level for this field:

        - Secret when used to permit a SecretObjectReference
        - Service when used to permit a BackendObjectReference

        :schema: ReferenceGrantSpecTo#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Name is the name of the referent.

        When unspecified, this policy
        refers to all resources of the specified Group and Kind in the local
        namespace.

        :schema: ReferenceGrantSpecTo#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "ReferenceGrantSpecTo(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


__all__ = [
    "Gateway",
    "GatewayClass",
    "GatewayClassProps",
    "GatewayClassSpec",
    "GatewayClassSpecParametersRef",
    "GatewayProps",
    "GatewaySpec",
    "GatewaySpecAddresses",
    "GatewaySpecAllowedListeners",
    "GatewaySpecAllowedListenersNamespaces",
    "GatewaySpecAllowedListenersNamespacesFrom",
    "GatewaySpecAllowedListenersNamespacesSelector",
    "GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions",
    "GatewaySpecInfrastructure",
    "GatewaySpecInfrastructureParametersRef",
    "GatewaySpecListeners",
    "GatewaySpecListenersAllowedRoutes",
    "GatewaySpecListenersAllowedRoutesKinds",
    "GatewaySpecListenersAllowedRoutesNamespaces",
    "GatewaySpecListenersAllowedRoutesNamespacesFrom",
    "GatewaySpecListenersAllowedRoutesNamespacesSelector",
    "GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions",
    "GatewaySpecListenersTls",
    "GatewaySpecListenersTlsCertificateRefs",
    "GatewaySpecListenersTlsMode",
    "GatewaySpecTls",
    "GatewaySpecTlsBackend",
    "GatewaySpecTlsBackendClientCertificateRef",
    "GatewaySpecTlsFrontend",
    "GatewaySpecTlsFrontendDefault",
    "GatewaySpecTlsFrontendDefaultValidation",
    "GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs",
    "GatewaySpecTlsFrontendDefaultValidationMode",
    "GatewaySpecTlsFrontendPerPort",
    "GatewaySpecTlsFrontendPerPortTls",
    "GatewaySpecTlsFrontendPerPortTlsValidation",
    "GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs",
    "GatewaySpecTlsFrontendPerPortTlsValidationMode",
    "HttpRoute",
    "HttpRouteProps",
    "HttpRouteSpec",
    "HttpRouteSpecParentRefs",
    "HttpRouteSpecRules",
    "HttpRouteSpecRulesBackendRefs",
    "HttpRouteSpecRulesBackendRefsFilters",
    "HttpRouteSpecRulesBackendRefsFiltersCors",
    "HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods",
    "HttpRouteSpecRulesBackendRefsFiltersExtensionRef",
    "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier",
    "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd",
    "HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet",
    "HttpRouteSpecRulesBackendRefsFiltersRequestMirror",
    "HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef",
    "HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction",
    "HttpRouteSpecRulesBackendRefsFiltersRequestRedirect",
    "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath",
    "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType",
    "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme",
    "HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode",
    "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier",
    "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd",
    "HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet",
    "HttpRouteSpecRulesBackendRefsFiltersType",
    "HttpRouteSpecRulesBackendRefsFiltersUrlRewrite",
    "HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath",
    "HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType",
    "HttpRouteSpecRulesFilters",
    "HttpRouteSpecRulesFiltersCors",
    "HttpRouteSpecRulesFiltersCorsAllowMethods",
    "HttpRouteSpecRulesFiltersExtensionRef",
    "HttpRouteSpecRulesFiltersRequestHeaderModifier",
    "HttpRouteSpecRulesFiltersRequestHeaderModifierAdd",
    "HttpRouteSpecRulesFiltersRequestHeaderModifierSet",
    "HttpRouteSpecRulesFiltersRequestMirror",
    "HttpRouteSpecRulesFiltersRequestMirrorBackendRef",
    "HttpRouteSpecRulesFiltersRequestMirrorFraction",
    "HttpRouteSpecRulesFiltersRequestRedirect",
    "HttpRouteSpecRulesFiltersRequestRedirectPath",
    "HttpRouteSpecRulesFiltersRequestRedirectPathType",
    "HttpRouteSpecRulesFiltersRequestRedirectScheme",
    "HttpRouteSpecRulesFiltersRequestRedirectStatusCode",
    "HttpRouteSpecRulesFiltersResponseHeaderModifier",
    "HttpRouteSpecRulesFiltersResponseHeaderModifierAdd",
    "HttpRouteSpecRulesFiltersResponseHeaderModifierSet",
    "HttpRouteSpecRulesFiltersType",
    "HttpRouteSpecRulesFiltersUrlRewrite",
    "HttpRouteSpecRulesFiltersUrlRewritePath",
    "HttpRouteSpecRulesFiltersUrlRewritePathType",
    "HttpRouteSpecRulesMatches",
    "HttpRouteSpecRulesMatchesHeaders",
    "HttpRouteSpecRulesMatchesHeadersType",
    "HttpRouteSpecRulesMatchesMethod",
    "HttpRouteSpecRulesMatchesPath",
    "HttpRouteSpecRulesMatchesPathType",
    "HttpRouteSpecRulesMatchesQueryParams",
    "HttpRouteSpecRulesMatchesQueryParamsType",
    "HttpRouteSpecRulesTimeouts",
    "ReferenceGrant",
    "ReferenceGrantProps",
    "ReferenceGrantSpec",
    "ReferenceGrantSpecFrom",
    "ReferenceGrantSpecTo",
]

publication.publish()

def _typecheckingstub__cabc98ad409afc45e6aaf13b346e8cb91a2ff88c935a0841bfe8497949111873(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    spec: typing.Union[GatewaySpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__0ebbcaa1d72698c56ff9f7c10e634dca828e62d0a15714e96f0d2a61ad6f42e1(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    spec: typing.Union[GatewayClassSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a67987cc0789f6e69d4ac27f5eb611ad3d3944f1f3cbe0e348e29f8aa90ee429(
    *,
    spec: typing.Union[GatewayClassSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__e6e403569a89427ff9b56d5b95755832ca0438b4fb8d996c26882524a523e8be(
    *,
    controller_name: builtins.str,
    description: typing.Optional[builtins.str] = None,
    parameters_ref: typing.Optional[typing.Union[GatewayClassSpecParametersRef, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fb825d6e6c8a47b513735bcd7c0dd3a4d84885166cde496f94049075298fa641(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__68ff39a41520cfbc09e8a40c697f4c39299f0b6ba29623a484142c4fab4ffceb(
    *,
    spec: typing.Union[GatewaySpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c46a4037929c0780bbc611db172de1e56e3cdefa4bdb57ea9298cff19a423a5e(
    *,
    gateway_class_name: builtins.str,
    listeners: typing.Sequence[typing.Union[GatewaySpecListeners, typing.Dict[builtins.str, typing.Any]]],
    addresses: typing.Optional[typing.Sequence[typing.Union[GatewaySpecAddresses, typing.Dict[builtins.str, typing.Any]]]] = None,
    allowed_listeners: typing.Optional[typing.Union[GatewaySpecAllowedListeners, typing.Dict[builtins.str, typing.Any]]] = None,
    infrastructure: typing.Optional[typing.Union[GatewaySpecInfrastructure, typing.Dict[builtins.str, typing.Any]]] = None,
    tls: typing.Optional[typing.Union[GatewaySpecTls, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__8f275a6bf24c8a4fed5442c00181fdb061ab84b6daac136d26f49fd21a2b713a(
    *,
    type: typing.Optional[builtins.str] = None,
    value: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__9d79aad15b0b1026e9dc6add44b767282cfd042f323228ece51ffd5debff588e(
    *,
    namespaces: typing.Optional[typing.Union[GatewaySpecAllowedListenersNamespaces, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5e17ea59ac96667edb602e11ea3169653e015ff5cfcc1acdecd188fa5c2e0755(
    *,
    from_: typing.Optional[GatewaySpecAllowedListenersNamespacesFrom] = None,
    selector: typing.Optional[typing.Union[GatewaySpecAllowedListenersNamespacesSelector, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__90af28961e425015f82cefe15d975ab37c514b390daea862f6cd5de2fbf1a4fb(
    *,
    match_expressions: typing.Optional[typing.Sequence[typing.Union[GatewaySpecAllowedListenersNamespacesSelectorMatchExpressions, typing.Dict[builtins.str, typing.Any]]]] = None,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__47c66fed71804a653ef9e11fced95a1c7902c835287e196e128bbefcf630d6da(
    *,
    key: builtins.str,
    operator: builtins.str,
    values: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__2e61b9a8e6c55d681c676eee5d681d748583ff3cd3ab368360302185aa603704(
    *,
    annotations: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    parameters_ref: typing.Optional[typing.Union[GatewaySpecInfrastructureParametersRef, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__83a5e518ce572b7ab61043bdce56d3109d3aea33e4bb0668941eabf13023875a(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__79f57af45c000f3b0113b5ceb798cfae33297c7e6d199853aba563e893a17469(
    *,
    name: builtins.str,
    port: jsii.Number,
    protocol: builtins.str,
    allowed_routes: typing.Optional[typing.Union[GatewaySpecListenersAllowedRoutes, typing.Dict[builtins.str, typing.Any]]] = None,
    hostname: typing.Optional[builtins.str] = None,
    tls: typing.Optional[typing.Union[GatewaySpecListenersTls, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f8f2afb6226781697a696dca7925a71469f547b8fba16b42b177a8ee1070def0(
    *,
    kinds: typing.Optional[typing.Sequence[typing.Union[GatewaySpecListenersAllowedRoutesKinds, typing.Dict[builtins.str, typing.Any]]]] = None,
    namespaces: typing.Optional[typing.Union[GatewaySpecListenersAllowedRoutesNamespaces, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__9d8c6aebe14746acdc13aedac61c85f43350c634c7ca2379e01f3def9ffb657f(
    *,
    kind: builtins.str,
    group: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__276beb87cc4d924064af5084f0481aa0719f81f898b75cb969e5dd8fe5a6ab59(
    *,
    from_: typing.Optional[GatewaySpecListenersAllowedRoutesNamespacesFrom] = None,
    selector: typing.Optional[typing.Union[GatewaySpecListenersAllowedRoutesNamespacesSelector, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__8bfae7ad6e30bb2c3aba10f88da95e756dc4332b1254eafc521ce1720c89e141(
    *,
    match_expressions: typing.Optional[typing.Sequence[typing.Union[GatewaySpecListenersAllowedRoutesNamespacesSelectorMatchExpressions, typing.Dict[builtins.str, typing.Any]]]] = None,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4a598a4d2ecdfb536ece21d1bea2a5e7a153578dc49183ce5eac7737b178f32d(
    *,
    key: builtins.str,
    operator: builtins.str,
    values: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__865795c2502624e6577be2833a2c185731b15a1b6ad9762143fd128de2b34ca0(
    *,
    certificate_refs: typing.Optional[typing.Sequence[typing.Union[GatewaySpecListenersTlsCertificateRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
    mode: typing.Optional[GatewaySpecListenersTlsMode] = None,
    options: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__dfafb32b51e4907423918700279f5e9163e14dc3a391ce2408c1a2ae35989047(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__0e517aa93d89714df2c5409b149fd92726600da3327e7df776f2a9e535c1df23(
    *,
    backend: typing.Optional[typing.Union[GatewaySpecTlsBackend, typing.Dict[builtins.str, typing.Any]]] = None,
    frontend: typing.Optional[typing.Union[GatewaySpecTlsFrontend, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__eb097097e2b5c783e1ab8d1cd9b7fb30d7743ae06d595c323484fc58f7e2f489(
    *,
    client_certificate_ref: typing.Optional[typing.Union[GatewaySpecTlsBackendClientCertificateRef, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__597ab134a95815f97ad2ddea21202d9b02ea79efa458b83c53b9001cc94f91a5(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__80cb5e49c2138fae309da71ace055a4ab709204a67500d4c10e0dfd3b6f1ff03(
    *,
    default: typing.Union[GatewaySpecTlsFrontendDefault, typing.Dict[builtins.str, typing.Any]],
    per_port: typing.Optional[typing.Sequence[typing.Union[GatewaySpecTlsFrontendPerPort, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a54e3e80b79f79558d2ab95f18cdab0b4018d322848487fe685897e645af8027(
    *,
    validation: typing.Optional[typing.Union[GatewaySpecTlsFrontendDefaultValidation, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5a1c8baf1912c9418be3cce544e5b32022b07ddd65dac1e47b7a00efe0d4fdb9(
    *,
    ca_certificate_refs: typing.Sequence[typing.Union[GatewaySpecTlsFrontendDefaultValidationCaCertificateRefs, typing.Dict[builtins.str, typing.Any]]],
    mode: typing.Optional[GatewaySpecTlsFrontendDefaultValidationMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4a8b9641ec615de5e8c816fbf213eec69d762756e842c93a359db68a68150ea0(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__47f2e6b6aa46835997ecf8fd6bf71a980fd367c2d13537f8c2a194373589a683(
    *,
    port: jsii.Number,
    tls: typing.Union[GatewaySpecTlsFrontendPerPortTls, typing.Dict[builtins.str, typing.Any]],
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__26236f62109ff7b32ec9b5007316c59c248aa9209d75b44bdee1b2eea2538fab(
    *,
    validation: typing.Optional[typing.Union[GatewaySpecTlsFrontendPerPortTlsValidation, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__dcd435acd24f89f8ac2504d17c8a56492d77cdc53796434cdbbff0beb6ff93e6(
    *,
    ca_certificate_refs: typing.Sequence[typing.Union[GatewaySpecTlsFrontendPerPortTlsValidationCaCertificateRefs, typing.Dict[builtins.str, typing.Any]]],
    mode: typing.Optional[GatewaySpecTlsFrontendPerPortTlsValidationMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4e50a8b95cfa5ef8e67bc6930759b20b94d41143ef4c01812ef342367f730bcb(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c9b86ffd07ffc12cdb06c165c9bd749717cce70ece33e4c5aba9ca1ad450cdc6(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    spec: typing.Union[HttpRouteSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a8c5827b6b8ef31843547890bcdcf48b0720e64509d041cb5523f9c8ac5c040c(
    *,
    spec: typing.Union[HttpRouteSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a9371b4498263bf45bf51be859edb466832628fd317b45961d2be62d8b6b407b(
    *,
    hostnames: typing.Optional[typing.Sequence[builtins.str]] = None,
    parent_refs: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecParentRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
    rules: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRules, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__babc9ec6865a4a353c4a27199ea09783f927de2004b61242837b2206100af783(
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

def _typecheckingstub__2680cddb1f495260a1fdc63cb39a2e2d18d2b10cb6113dce2f9cdb3e573ccd39(
    *,
    backend_refs: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
    filters: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesFilters, typing.Dict[builtins.str, typing.Any]]]] = None,
    matches: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesMatches, typing.Dict[builtins.str, typing.Any]]]] = None,
    name: typing.Optional[builtins.str] = None,
    timeouts: typing.Optional[typing.Union[HttpRouteSpecRulesTimeouts, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4bede1c3690071f630dcaec89bf169c2a4002e00595bb6a57493140c2b3ec973(
    *,
    name: builtins.str,
    filters: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefsFilters, typing.Dict[builtins.str, typing.Any]]]] = None,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    port: typing.Optional[jsii.Number] = None,
    weight: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__e8ce4d7db9ed5a09adf7b240fd69ec7c9a60cf988f380f6c7c43ae8628509dc4(
    *,
    type: HttpRouteSpecRulesBackendRefsFiltersType,
    cors: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersCors, typing.Dict[builtins.str, typing.Any]]] = None,
    extension_ref: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersExtensionRef, typing.Dict[builtins.str, typing.Any]]] = None,
    request_header_modifier: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifier, typing.Dict[builtins.str, typing.Any]]] = None,
    request_mirror: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestMirror, typing.Dict[builtins.str, typing.Any]]] = None,
    request_redirect: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestRedirect, typing.Dict[builtins.str, typing.Any]]] = None,
    response_header_modifier: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifier, typing.Dict[builtins.str, typing.Any]]] = None,
    url_rewrite: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersUrlRewrite, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5762495210b8265478e614a753fe9a5f7a67630349958aa7379907bfccea636a(
    *,
    allow_credentials: typing.Optional[builtins.bool] = None,
    allow_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
    allow_methods: typing.Optional[typing.Sequence[HttpRouteSpecRulesBackendRefsFiltersCorsAllowMethods]] = None,
    allow_origins: typing.Optional[typing.Sequence[builtins.str]] = None,
    expose_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
    max_age: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__d9a76d8e25be601eede939ecd7862920579c168a9449e4e6cefd6a8fdf524991(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__98d5fb0202207048d99fc7ea0a4af6f5b1f64d39042e7f36afeaca256574380f(
    *,
    add: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierAdd, typing.Dict[builtins.str, typing.Any]]]] = None,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestHeaderModifierSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a2181a21ecdb164f0a166cdedeb91c7559ccd7b767b69669d9f74b08bc5e28ff(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__34a940d4fda7d3a60cc715ad1413295ca99bc1417a0e80485c55a06451f12cc3(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__7500d94827fb5472ce1ac88601d7d2334c689bd4aef867939725381a56e0edf4(
    *,
    backend_ref: typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef, typing.Dict[builtins.str, typing.Any]],
    fraction: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestMirrorFraction, typing.Dict[builtins.str, typing.Any]]] = None,
    percent: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f60f3e7d7e84fdfc1ebbaabd7babe1bbadaad1529cb8c3ddc21d7b726d4d4d7f(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    port: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__e9aaa53cc2f812fc99315defc31e540832881df9def3644209086dcbe8f159ce(
    *,
    numerator: jsii.Number,
    denominator: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__184591597ffd8dc15117b62e438b108ebc595139771bad9d6524f2a603686a1f(
    *,
    hostname: typing.Optional[builtins.str] = None,
    path: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPath, typing.Dict[builtins.str, typing.Any]]] = None,
    port: typing.Optional[jsii.Number] = None,
    scheme: typing.Optional[HttpRouteSpecRulesBackendRefsFiltersRequestRedirectScheme] = None,
    status_code: typing.Optional[HttpRouteSpecRulesBackendRefsFiltersRequestRedirectStatusCode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b8544a5c713cf50f231748682816979cfb90b3947931e93668d9421397e4bb83(
    *,
    type: HttpRouteSpecRulesBackendRefsFiltersRequestRedirectPathType,
    replace_full_path: typing.Optional[builtins.str] = None,
    replace_prefix_match: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fbad0095ee5aa213f42ac6e566d180492603b059a8876ab97b79d3c53c09c91e(
    *,
    add: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierAdd, typing.Dict[builtins.str, typing.Any]]]] = None,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesBackendRefsFiltersResponseHeaderModifierSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__6a04667d6a6e3168913b25293eb27f3c417de85aa0f673ef769bef82bb552d6c(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__1ec9a41443f8996c3ff4c79024e065dd4978ff9f25fedbc88ad4ab8e9b1ab78d(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4e1582fd57417cd211fc08ac58318b4943c72112b89998a93ed94af1fb46625d(
    *,
    hostname: typing.Optional[builtins.str] = None,
    path: typing.Optional[typing.Union[HttpRouteSpecRulesBackendRefsFiltersUrlRewritePath, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__1c26b57b9fbb30fc95dec16b70d2d853a70b8069b63433c4f3c8be2dbd444493(
    *,
    type: HttpRouteSpecRulesBackendRefsFiltersUrlRewritePathType,
    replace_full_path: typing.Optional[builtins.str] = None,
    replace_prefix_match: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__0428ffa1775216a1f31d0a74a0d8ac2ab6732f9238afac14255b36c4dec824fb(
    *,
    type: HttpRouteSpecRulesFiltersType,
    cors: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersCors, typing.Dict[builtins.str, typing.Any]]] = None,
    extension_ref: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersExtensionRef, typing.Dict[builtins.str, typing.Any]]] = None,
    request_header_modifier: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersRequestHeaderModifier, typing.Dict[builtins.str, typing.Any]]] = None,
    request_mirror: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersRequestMirror, typing.Dict[builtins.str, typing.Any]]] = None,
    request_redirect: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersRequestRedirect, typing.Dict[builtins.str, typing.Any]]] = None,
    response_header_modifier: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersResponseHeaderModifier, typing.Dict[builtins.str, typing.Any]]] = None,
    url_rewrite: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersUrlRewrite, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__b33537ded33ab59d6ca59dca400d68f47dddc1c37b836f240626e30e0773ad79(
    *,
    allow_credentials: typing.Optional[builtins.bool] = None,
    allow_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
    allow_methods: typing.Optional[typing.Sequence[HttpRouteSpecRulesFiltersCorsAllowMethods]] = None,
    allow_origins: typing.Optional[typing.Sequence[builtins.str]] = None,
    expose_headers: typing.Optional[typing.Sequence[builtins.str]] = None,
    max_age: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__39e941853e459969b0aab868f1c27cb71d3d205a33fa4f8c969339bc021ba2de(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__8de96c7ad9ceb211024a95d5e95543228a770a6dab1ff5374f1142c6a8e5a9cc(
    *,
    add: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesFiltersRequestHeaderModifierAdd, typing.Dict[builtins.str, typing.Any]]]] = None,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesFiltersRequestHeaderModifierSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__568bb5f21af6f172a914649f6183e4b7cb0777e475a740bb00ac9cd09b83c3bb(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__23c177c2ed06dcfb19217e44c7d87f5be995b9a3bc65e5b26b945b3f9cc2009b(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c0490741bebb5530fb4f8f21f833cec331b0ddb6f2915fe3ebd70f838273cf34(
    *,
    backend_ref: typing.Union[HttpRouteSpecRulesFiltersRequestMirrorBackendRef, typing.Dict[builtins.str, typing.Any]],
    fraction: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersRequestMirrorFraction, typing.Dict[builtins.str, typing.Any]]] = None,
    percent: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__75b0b8340262f6a813833ac959a2bdafae1a4109b132cb0fe0ffa70fb929559d(
    *,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    kind: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
    port: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__704fe2d4879342adbb169301af6250a82fb827d55119c7f629821ae3b1eb6567(
    *,
    numerator: jsii.Number,
    denominator: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3416b7372797c18099bccc94cffaa91e7f498d721f8d8e25d0814f22eeeddd2e(
    *,
    hostname: typing.Optional[builtins.str] = None,
    path: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersRequestRedirectPath, typing.Dict[builtins.str, typing.Any]]] = None,
    port: typing.Optional[jsii.Number] = None,
    scheme: typing.Optional[HttpRouteSpecRulesFiltersRequestRedirectScheme] = None,
    status_code: typing.Optional[HttpRouteSpecRulesFiltersRequestRedirectStatusCode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__67853534be061288b483538b490f0915426c6e1109350f516da48b979f40f3f0(
    *,
    type: HttpRouteSpecRulesFiltersRequestRedirectPathType,
    replace_full_path: typing.Optional[builtins.str] = None,
    replace_prefix_match: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c8caf5a81d428a610772404fe4b478853786fa3f7eb4cf0a94b78f91b8264980(
    *,
    add: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesFiltersResponseHeaderModifierAdd, typing.Dict[builtins.str, typing.Any]]]] = None,
    remove: typing.Optional[typing.Sequence[builtins.str]] = None,
    set: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesFiltersResponseHeaderModifierSet, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__9361d975d44e1fabcdad38a63367d013a6a261e87e760c145fc8216c9ed59246(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f075ed948b3a8e1a61077a147c4bb60ea98bc2b4546b74a8f960ae2142e875ec(
    *,
    name: builtins.str,
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__97d0e4901dc924bbb822e842794f536b31e313eba2632a47a541cc00f07157b8(
    *,
    hostname: typing.Optional[builtins.str] = None,
    path: typing.Optional[typing.Union[HttpRouteSpecRulesFiltersUrlRewritePath, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3985c433a9b6b019a61967074d228c0fd887d8f5db6e23631b34f31e84592552(
    *,
    type: HttpRouteSpecRulesFiltersUrlRewritePathType,
    replace_full_path: typing.Optional[builtins.str] = None,
    replace_prefix_match: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__37d1ef6c0a17c99a660bb4c8398a39cc7f92b969d2d9d134833356dec2b4e2d6(
    *,
    headers: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesMatchesHeaders, typing.Dict[builtins.str, typing.Any]]]] = None,
    method: typing.Optional[HttpRouteSpecRulesMatchesMethod] = None,
    path: typing.Optional[typing.Union[HttpRouteSpecRulesMatchesPath, typing.Dict[builtins.str, typing.Any]]] = None,
    query_params: typing.Optional[typing.Sequence[typing.Union[HttpRouteSpecRulesMatchesQueryParams, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fd8e180e3f8e00d0130f74016485e38b4c79479efb444fa62915051b4b33b2d9(
    *,
    name: builtins.str,
    value: builtins.str,
    type: typing.Optional[HttpRouteSpecRulesMatchesHeadersType] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__39ea4a14214306e189b94f703c27edb2002b16df7458e9462bffdbab8eadd620(
    *,
    type: typing.Optional[HttpRouteSpecRulesMatchesPathType] = None,
    value: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__e9c44bace0257062b1e81acf9c8d62a31927ee3fcf8fdb8c0f669d538f4d4563(
    *,
    name: builtins.str,
    value: builtins.str,
    type: typing.Optional[HttpRouteSpecRulesMatchesQueryParamsType] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4d08ca77c7510811b0346a407f8a737304c99ed488cf6681249e1d53610d83f4(
    *,
    backend_request: typing.Optional[builtins.str] = None,
    request: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__81d9212556676ee9be2cc2960ac21cecea21bcbeb64f6ba996a36a7a24abf47e(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    spec: typing.Union[ReferenceGrantSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f20dc238b58a498116c6f2df49ea56a67fa6567046da55684c67053dcec1fafb(
    *,
    spec: typing.Union[ReferenceGrantSpec, typing.Dict[builtins.str, typing.Any]],
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__96010009a452aad463127df29730dcc6958172db51f843a6c8174d4bbcd87d06(
    *,
    from_: typing.Sequence[typing.Union[ReferenceGrantSpecFrom, typing.Dict[builtins.str, typing.Any]]],
    to: typing.Sequence[typing.Union[ReferenceGrantSpecTo, typing.Dict[builtins.str, typing.Any]]],
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__582860a4e676876ab72f52945f0cb7ed1069dd85945bdc0e8c6f682192ab5443(
    *,
    group: builtins.str,
    kind: builtins.str,
    namespace: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__06deeee2e6362ddf4c1e057d9a2f47fd7d8c4d81d3cdbca9780c1baec25ff581(
    *,
    group: builtins.str,
    kind: builtins.str,
    name: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass
