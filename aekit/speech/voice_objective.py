"""The voice converter's training objective (:class:`VoiceReconstruction`)."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from aekit.nn.objective import BaseObjective, LossTerms
from aekit.speech.voice_net import VoiceNet, perturb_voice
from aekit.train import OptimizerSpec


class VoiceReconstruction(BaseObjective):
    """Rows of (segment start, reference start, speaker) index a bank of standardized
    frames; the "main" optimizer rebuilds each segment from its content and the speaker
    code of the reference (another recording of the same speaker), plus, with a
    classifier, ``adversarial`` times its cross-entropy to the uniform guess; the "disc"
    optimizer trains the classifier to name the speaker from the content code. With
    ``perturbation`` > 0 the content encoder reads the segment in a randomly changed
    voice (:func:`~aekit.speech.voice_net.perturb_voice`) in training."""

    def __init__(self, bank: torch.Tensor, frames: int, adversarial: float,
                 perturbation: float = 0.0):
        self.bank = bank  # (n_mels, total frames)
        self.frames = frames
        self.adversarial = adversarial
        self.perturbation = perturbation

    def optimizers(self, module):
        if module.classifier is None:
            return [OptimizerSpec("main", list(module.parameters()), clip_grad_norm=5.0)]
        own = {id(p) for p in module.classifier.parameters()}
        rest = [p for p in module.parameters() if id(p) not in own]
        return [OptimizerSpec("main", rest, clip_grad_norm=5.0),
                OptimizerSpec("disc", list(module.classifier.parameters()))]

    def _crops(self, starts):
        offsets = torch.arange(self.frames, device=starts.device)
        bank = self.bank.to(starts.device)
        return bank[:, starts[:, None] + offsets].permute(1, 0, 2)  # (B, M, frames)

    def __call__(self, module: VoiceNet, batch, info) -> LossTerms:
        segment, reference = self._crops(batch[:, 0]), self._crops(batch[:, 1])
        speaker = batch[:, 2]
        if info.optimizer == "disc":
            with torch.no_grad():
                content = module.content_encoder(segment)
            loss = F.cross_entropy(module.speaker_logits(content), speaker)
            return LossTerms(loss, {"speaker_ce": loss.detach()})
        changed = None
        if info.training and self.perturbation > 0:
            changed = perturb_voice(segment, self.perturbation, info.generator)
        out = module(segment, reference, changed)
        recon = F.l1_loss(out.mel, segment)
        loss, terms = recon, {"recon": recon.detach()}
        if module.classifier is not None:
            uniform = -F.log_softmax(module.speaker_logits(out.content), -1).mean()
            terms["to_chance"] = uniform.detach()
            if info.training:
                loss = loss + self.adversarial * uniform
        return LossTerms(loss, terms, recon)
