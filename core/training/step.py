"""The compiled training step shared by the trainer and the throughput benchmark."""

from __future__ import annotations

EPS = 1e-7


def make_step(target, optimizer):
    """(train step, predict) compiled for ``target``: the step takes (x, y (N, 1), weights (N,)) and
    returns (mean weighted binary cross-entropy, predictions); regularisation losses are added."""
    from core.keras_env import tf

    t = tf()
    variables = target.trainable_variables
    optimizer.build(variables)
    spec = t.TensorSpec((None, *tuple(int(d) for d in target.input_shape[1:])), t.float32)

    # No autograph: the step has no tensor-dependent Python control flow, and frozen builds carry no source.
    @t.function(input_signature=[spec, t.TensorSpec((None, 1), t.float32), t.TensorSpec((None,), t.float32)],
                autograph=False)
    def step(x, y, w):
        with t.GradientTape() as tape:
            p = t.clip_by_value(target(x, training=True), EPS, 1.0 - EPS)
            bce = -(y * t.math.log(p) + (1.0 - y) * t.math.log(1.0 - p))
            loss = t.reduce_sum(w * t.reshape(bce, [-1])) / t.reduce_sum(w)
            total = loss + t.add_n(target.losses) if target.losses else loss
        grads = tape.gradient(total, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return loss, p

    return step, t.function(lambda x: target(x, training=False), input_signature=[spec], autograph=False)
