"""EC2 fix: ModifyNetworkInterfaceAttribute `Groups` replaces an interface's security groups (EC2 API reference:
"the new set of groups you specify replaces the current set"). moto 5.2.5 stores the new set but reports an
attached interface's groups as the union of its own and its instance's launch groups, so the old group still
shows on the interface and on the instance. An instance's groups are its primary interface's: keep them in step.
"""

from typing import Any

from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend


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
