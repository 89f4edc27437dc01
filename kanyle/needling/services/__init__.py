"""Every write of needle treatment: keyword-only, with an actor, atomic, validated by the rules, logged.

``plans`` (assessment, plan, shared decision, screening, end of course), ``sessions`` (sessions, needles,
stimulation, TENS, signing) and ``safety`` (side effects, follow-ups, device loans).
"""
