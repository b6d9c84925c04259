"""The library example of the README, shared by the construct tests and the packaging test."""

EXAMPLE = """\
import sys
import cdk8s
from llm_inference_stack import (AiGateway, ApiKeys, ApiKeysConfig, Autoscaler, AutoscalingConfig,
                                 ModelConfig, ModelServer, RateLimitConfig, RuntimeConfig)

app = cdk8s.App(outdir=sys.argv[1])
chart = cdk8s.Chart(app, "platform", namespace="team-b")
keys = ApiKeys(chart, "keys", config=ApiKeysConfig(secret_name="team-b-keys"))
gateway = AiGateway(chart, "gateway", name="team-b-gw", api_keys=keys)
for name, gpus in [("Qwen2.5-7B-Instruct", 1), ("llama-3-70b", 4)]:
    server = ModelServer(chart, name, model=ModelConfig(name=name, storage_uri=f"s3://models/{name}/",
                                                        runtime=RuntimeConfig(gpu_count=gpus)))
    Autoscaler(chart, f"{name}-scaler", target=server, config=AutoscalingConfig(max_replicas=3))
    gateway.add_model(server, rate_limit=RateLimitConfig(tokens_per_minute=50_000))
app.synth()
"""
"""The example of the README's library section, character for character."""
