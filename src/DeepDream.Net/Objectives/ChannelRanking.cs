using DeepDream.Features;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>Chooses channels to dream on from what a layer sees in an image.</summary>
public static class ChannelRanking
{
    /// <summary>The largest image side the ranking looks at; larger images are shrunk first (the ranking barely changes).</summary>
    public const int MaxSide = 512;

    /// <summary>
    /// The <paramref name="count"/> channels of <paramref name="layer"/> that respond most strongly to
    /// <paramref name="image"/>: ranked by their mean squared activation (each channel's share of the L2 objective), the
    /// strongest first. Use them with <see cref="Objective.Channels"/> to amplify what the network already sees.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="image">The image (shrunk to <see cref="MaxSide"/> first when larger; not modified).</param>
    /// <param name="layer">The layer.</param>
    /// <param name="count">How many channels, at least 1 (at most the layer's channel count is returned).</param>
    /// <returns>Channel indices, strongest first; ties keep the lower index first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    /// <exception cref="UnknownLayerException">The model has no such layer.</exception>
    /// <exception cref="ImageTooSmallException">The image is below the model's minimum size for the layer.</exception>
    public static IReadOnlyList<int> Strongest(IFeatureExtractor model, Image<Rgb24> image, string layer, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(layer);
        Guard.Positive(count, nameof(count));
        if (!model.LayerNames.Contains(layer, StringComparer.Ordinal)) throw new UnknownLayerException(model.Name, layer, model.LayerNames, nameof(layer));
        var minimum = model.GetMinimumInputSize([layer]);
        if (image.Width < minimum || image.Height < minimum)
            throw new ImageTooSmallException($"The image is {image.Width}×{image.Height} pixels; layer '{layer}' of '{model.Name}' needs at least {minimum}×{minimum}.");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var shrunk = Math.Max(image.Width, image.Height) > MaxSide ? Shrink(image, minimum) : null;
        var input = ImageTensor.ToTensor(shrunk ?? image, model.Device);
        var activation = model.Extract(input, [layer])[layer];
        var strength = activation.square().reshape(activation.shape[0], activation.shape[1], -1).mean([0, 2]).cpu();
        var values = strength.data<float>().ToArray();
        return Enumerable.Range(0, values.Length).OrderByDescending(c => values[c]).ThenBy(c => c).Take(count).ToArray();
    }

    private static Image<Rgb24> Shrink(Image<Rgb24> image, int minimum)
    {
        var scale = (double)MaxSide / Math.Max(image.Width, image.Height);
        var width = Math.Max(minimum, (int)Math.Round(image.Width * scale));
        var height = Math.Max(minimum, (int)Math.Round(image.Height * scale));
        return image.Clone(c => c.Resize(width, height, KnownResamplers.Triangle));
    }
}
