#!/usr/bin/env python3
"""A real AWS SDK (boto3's macie2 client, SigV4-signed) against the reference server.

Not part of `cargo test` (it needs Python and boto3). Run by hand:

    pip install boto3
    python3 tests/sdk/boto3_smoke.py

It starts `macie-conform serve --faults --port 0` through cargo, then lists,
filters, sorts and paginates with the SDK, and provokes every documented
error, checking that the SDK parses each answer. Exits non-zero on the first
failure.
"""
import os, subprocess, sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
server = subprocess.Popen(
    ["cargo", "run", "--quiet", "--", "serve", "--faults", "--port", "0"],
    cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    url = server.stdout.readline().strip().removeprefix("listening on ")
    macie = boto3.client(
        "macie2", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}))

    everything = macie.list_classification_jobs(maxResults=500)["items"]
    assert len(everything) == 79, len(everything)
    assert everything[0]["createdAt"].tzinfo is not None, "dates parse as aware datetimes"

    paused = macie.list_classification_jobs(filterCriteria={"includes": [
        {"key": "jobStatus", "comparator": "EQ", "values": ["USER_PAUSED"]}]})["items"]
    assert paused and all(j["jobStatus"] == "USER_PAUSED" for j in paused)

    by_name = macie.list_classification_jobs(
        maxResults=500, sortCriteria={"attributeName": "name", "orderBy": "DESC"})["items"]
    names = [j["name"] for j in by_name]
    assert names == sorted(names, reverse=True), "sorted by name, descending"

    pages = macie.get_paginator("list_classification_jobs").paginate(
        sortCriteria={"attributeName": "createdAt", "orderBy": "ASC"},
        PaginationConfig={"PageSize": 7})
    walked = [j["jobId"] for page in pages for j in page["items"]]
    assert len(walked) == 79 and len(set(walked)) == 79, "paginator walks every job once"

    try:
        macie.list_classification_jobs(maxResults=0)
        raise AssertionError("maxResults=0 must fail")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e.response
        assert "maxResults" in e.response["Error"]["Message"]
    try:
        macie.list_classification_jobs(nextToken="forged")
        raise AssertionError("a forged token must fail")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e.response
        assert "nextToken" in e.response["Error"]["Message"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert e.response["ResponseMetadata"]["RequestId"], "request id reaches the SDK"

    def inject(request, **_):
        request.headers["x-macie-conform-fault"] = inject.kind
    macie.meta.events.register("before-send.macie2.ListClassificationJobs", inject)
    for kind, status in [("ValidationException", 400), ("ServiceQuotaExceededException", 402),
                         ("AccessDeniedException", 403), ("ResourceNotFoundException", 404),
                         ("ConflictException", 409), ("ThrottlingException", 429),
                         ("InternalServerException", 500)]:
        inject.kind = kind
        try:
            macie.list_classification_jobs()
            raise AssertionError(kind + " was not raised")
        except ClientError as e:
            assert e.response["Error"]["Code"] == kind, e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status
            assert "injected" in e.response["Error"]["Message"]
            # The modelled exception class is raised, not just ClientError.
            assert type(e).__name__ == kind, type(e).__name__
    print("boto3 %s: list, filter, sort, paginate and all 7 errors OK" % boto3.__version__)
finally:
    server.terminate()
    server.wait()
