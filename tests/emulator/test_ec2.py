"""EC2 as the API reference documents it where moto 5.2.5 differs (riposte_emulator/ec2.py)."""


def launch(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    first, second = (ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in "ab")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[first])["Instances"][0]
    return instance, first, second


def groups_of(ec2, instance_id):
    described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return ([g["GroupId"] for g in described["NetworkInterfaces"][0]["Groups"]],
            [g["GroupId"] for g in described["SecurityGroups"]])


def test_modify_network_interface_groups_replaces_the_set_on_the_interface_and_the_instance(emulator):
    ec2 = emulator.client("ec2")
    instance, first, second = launch(ec2)
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[second])
    assert groups_of(ec2, instance["InstanceId"]) == ([second], [second])
    interface = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in interface["Groups"]] == [second]


def test_other_attributes_leave_the_groups_alone(emulator):
    ec2 = emulator.client("ec2")
    instance, first, _ = launch(ec2)
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck={"Value": False})
    assert groups_of(ec2, instance["InstanceId"]) == ([first], [first])
