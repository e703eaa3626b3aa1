"""The embedded AWS emulator: moto in-process, plus what AWS does that moto lacks, by AWS service.

    awslambda/      Lambda: execution in worker processes (executor, workers, bootstrap), the async
                    queue and destinations, aliases and weights, concurrency, provisioned concurrency
    event_sources/  Lambda's pollers: Kinesis, DynamoDB streams, SQS, and their batch policy
    apigateway/     REST APIs served on localhost: deployments, authorizers, integrations, rules
    sns/ s3/        their deliveries to Lambda
    sqs/ dynamodb/ iam/ cloudwatch/  their answers where moto's differ; alarms evaluated
    events/         EventBridge schedules fired
    stepfunctions/  executions run for real, and traced
    xray/           traces: segments, the daemon, the X-Ray API

    patches.py      every change made to moto (owner, what, why), applied by patching.py
    parts.py        the running parts those changes call; server.py builds and starts them
    control_api.py  the emulator's own API (/_emulator/); info.py and control.py find and run it

Layers, lowest first (a module imports only its own layer and those below; tests check it): the
foundation (info, clients, patching, parts, timestamps, sites), xray, awslambda, the other services
(which never import each other), and what assembles them (patches, control_api, server).
"""
