"""EC2 fix: ModifyNetworkInterfaceAttribute `Groups` replaces an interface's security groups (EC2 API reference:
"the new set of groups you specify replaces the current set"). moto 5.2.5 stores the new set but reports an
attached interface's groups as the union of its own and its instance's launch groups, so the old group still
shows on the interface and on the instance. An instance's groups are its primary interface's: keep them in step.

ModifyInstanceMetadataOptions changes only the options given (EC2 API reference, ModifyInstanceMetadataOptions,
HttpEndpoint: "If this parameter is not specified, the existing state is maintained"); moto 5.2.5 rebuilds
the whole set from the request, so an omitted HttpEndpoint came back as none and the hop limit as 1. Keep the
instance's current value of every option the request leaves out.
"""

from typing import Any

from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend
from moto.ec2.models.instances import InstanceBackend


def install() -> None:
    original = NetworkInterfaceBackend.modify_network_interface_attribute

    def modify_network_interface_attribute(self: Any, eni_id: str, group_ids: list[str],
                                           source_dest_check: bool | None = None,
                                           description: str | None = None) -> None:
        original(self, eni_id, group_ids, source_dest_check, description)
        eni = self.get_network_interface(eni_id)
        instance = getattr(eni, "instance", None)
        if group_ids and instance is not None and instance.nics.get(0) is eni:
            instance.security_groups = list(eni._group_set)

    NetworkInterfaceBackend.modify_network_interface_attribute = modify_network_interface_attribute

    install_metadata_options()


def install_metadata_options() -> None:
    original = InstanceBackend.modify_instance_metadata_options

    def modify_instance_metadata_options(self: Any, instance_id: str, http_tokens: str | None = None,
                                         hop_limit: int | None = None, http_endpoint: str | None = None,
                                         dry_run: bool | None = False, http_protocol: str | None = None,
                                         metadata_tags: str | None = None) -> Any:
        current = self.get_instance(instance_id).metadata_options

        def kept(given: Any, attribute: str) -> Any:
            return given if given is not None else getattr(current, attribute, None)

        return original(self, instance_id, kept(http_tokens, "http_tokens"),
                        kept(hop_limit, "http_put_response_hop_limit"), kept(http_endpoint, "http_endpoint"),
                        dry_run, kept(http_protocol, "http_protocol_ipv6"),
                        kept(metadata_tags, "instance_metadata_tags"))

    InstanceBackend.modify_instance_metadata_options = modify_instance_metadata_options
