"""DynamoDB conditional writes are atomic per item, as the developer guide promises (riposte_emulator/dynamodb.py)."""

from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError


def test_concurrent_conditional_adds_never_pass_the_limit(emulator):
    ddb = emulator.client("dynamodb")
    ddb.create_table(TableName="limits", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "counter", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "counter", "KeyType": "HASH"}])

    def take(_):
        try:
            ddb.update_item(TableName="limits", Key={"counter": {"S": "account#1#hour"}},
                            UpdateExpression="ADD #c :one", ConditionExpression="attribute_not_exists(#c) OR #c < :limit",
                            ExpressionAttributeNames={"#c": "count"},
                            ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": "5"}})
            return True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        granted = sum(pool.map(take, range(64)))
    assert granted == 5
    item = ddb.get_item(TableName="limits", Key={"counter": {"S": "account#1#hour"}})["Item"]
    assert item["count"] == {"N": "5"}
