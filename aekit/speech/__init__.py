"""Speech: WAV files to log-mel frames to discrete units (a VQ auto-encoder's codebook ids).

>>> from aekit.speech import SpeechUnits
>>> su = SpeechUnits(codebook=64).fit("recordings/")   # doctest: +SKIP
>>> units = su.transform(["a.wav", "b.wav"])           # doctest: +SKIP  (int64 arrays)
"""

from aekit.speech.features import FrameSettings, log_mel, stack_context
from aekit.speech.units import SpeechUnits, unit_usage
from aekit.speech.voice import VoiceConverter
from aekit.speech.voice_bands import TargetVoice

__all__ = ["FrameSettings", "SpeechUnits", "log_mel", "stack_context", "unit_usage", "TargetVoice", "VoiceConverter"]
