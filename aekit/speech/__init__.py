"""Speech: WAV files to log-mel frames to discrete units (a VQ auto-encoder's codebook ids).

>>> from aekit.speech import SpeechUnits
>>> su = SpeechUnits(codebook=64).fit("recordings/")   # doctest: +SKIP
>>> units = su.transform(["a.wav", "b.wav"])           # doctest: +SKIP  (int64 arrays)
"""

from aekit.speech.audio import Recording, find_wavs, read_wav, read_wavs
from aekit.speech.features import FrameSettings, log_mel, stack_context
from aekit.speech.units import SpeechUnits, unit_usage

__all__ = ["FrameSettings", "Recording", "SpeechUnits", "find_wavs", "log_mel", "read_wav",
           "read_wavs", "stack_context", "unit_usage"]
