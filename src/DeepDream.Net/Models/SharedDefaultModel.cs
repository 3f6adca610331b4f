using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Models;

/// <summary>
/// The embedded ResNet18 that every <see cref="DreamBuilder"/> without <c>UseModel</c> dreams with: loaded once per
/// process, device and precision on first use, then shared by every such dreamer and kept for the life of the process (about
/// 45 MB), so creating many builders never loads many copies. Safe to share: extraction keeps no mutable state, and the
/// shared instance can be neither disposed, moved nor converted.
/// </summary>
internal static class SharedDefaultModel
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<string, IFeatureExtractor> s_byDevice = new(StringComparer.Ordinal);

    /// <summary>How many times the embedded model was loaded for sharing (one per device and precision; for tests).</summary>
    internal static int LoadCount { get; private set; }

    /// <summary>The shared model on <paramref name="device"/> computing in <paramref name="precision"/>, loading it the first time.</summary>
    /// <exception cref="ModelLoadException">The embedded model could not be loaded (a damaged installation).</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and no CUDA backend is available.</exception>
    public static IFeatureExtractor For(Device device, Precision precision = Precision.Float32)
    {
        ArgumentNullException.ThrowIfNull(device);
        var key = device + "/" + precision;
        lock (s_gate)
        {
            if (!s_byDevice.TryGetValue(key, out var model))
            {
                var loaded = DreamModels.ResNet18(device);
                loaded.To(precision);
                model = new SharedExtractor(loaded);
                s_byDevice[key] = model;
                LoadCount++;
            }
            return model;
        }
    }

    /// <summary>The shared model as dreamers see it: every member passes through, except that it cannot be disposed or moved.</summary>
    private sealed class SharedExtractor(IFeatureExtractor inner) : IFeatureExtractor
    {
        public string Name => inner.Name;

        public IReadOnlyList<string> LayerNames => inner.LayerNames;

        public string? DefaultLayer => inner.DefaultLayer;

        public Preprocessing Preprocessing => inner.Preprocessing;

        public Device Device => inner.Device;

        public Precision Precision => inner.Precision;

        public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => inner.GetMinimumInputSize(layers);

        public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers) => inner.Extract(image, layers);

        public IReadOnlyList<LayerInfo> ListLayers(int width, int height) => inner.ListLayers(width, height);

        public IFeatureExtractor To(Device device) =>
            device == inner.Device ? this
                : throw new InvalidOperationException(
                    "The shared default model cannot be moved to another device; pass the device to DreamBuilder.UseDevice, or use your own copy with UseModel(DreamModels.ResNet18(device)).");

        public IFeatureExtractor To(Precision precision) =>
            precision == inner.Precision ? this
                : throw new InvalidOperationException(
                    "The shared default model cannot be converted to another precision; pass the precision to DreamBuilder.Precision, or use your own copy with UseModel(DreamModels.ResNet18()).");

        /// <summary>Shared for the life of the process: disposing one user's view must not break the others.</summary>
        public void Dispose() { }
    }
}
