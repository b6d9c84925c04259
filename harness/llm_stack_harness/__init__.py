"""The harnesses of llm-inference-stack: they run what the library synthesizes, for real, and report it.

Three wings under one direction (``.importlinter`` holds it): :mod:`.localrun` (``llm-stack local-run``) stands on
:mod:`.controlplane` (``llm-stack verify``), which stands on :mod:`.base` (processes, installs, the tiny model, the
synthesized objects as read back, substitutions). All of them import the library (``llm_inference_stack``); the
library never imports them: its CLI finds ``verify`` and ``local-run`` through this distribution's entry points.
"""
