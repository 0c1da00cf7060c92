"""The deterministic blobs of `clusterlab_algos::synth::blobs`, in numpy
(same bits up to the last ulp of log/cos): splitmix64 draws k = 1, 2, ...
of stream `seed`; centres uniform in [-10, 10)^dim from the first
centers*dim draws; point i, coordinate j adds std * sqrt(-2 ln(1 - u1)) *
cos(2 pi u2) to centre i mod centers, (u1, u2) the next two draws."""
import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _uniforms(seed, first_k, count):
    k = np.arange(first_k, first_k + count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + k * _GAMMA
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / float(1 << 53))


def blobs(n, dim, centers, std, seed):
    centers = max(centers, 1)
    c = -10.0 + 20.0 * _uniforms(seed, 1, centers * dim)
    c = c.reshape(centers, dim)
    u = _uniforms(seed, centers * dim + 1, 2 * n * dim).reshape(n * dim, 2)
    g = np.sqrt(-2.0 * np.log(1.0 - u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
    g = g.reshape(n, dim)
    return c[np.arange(n) % centers] + std * g
