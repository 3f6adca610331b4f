using static TorchSharp.torch;

namespace DeepDream.Features;

/// <summary>
/// A <see cref="Features.Preprocessing"/> rule made concrete on one device: its multiplier and offset tensors, created once
/// and owned here (outside any caller's dispose scope). Every extractor applies its preprocessing through one of these.
/// </summary>
internal sealed class PreprocessingTensors : IDisposable
{
    private readonly Tensor _multiplier;
    private readonly Tensor _offset;

    public PreprocessingTensors(Preprocessing preprocessing, Device device)
    {
        Preprocessing = preprocessing;
        (_multiplier, _offset) = preprocessing.CreateAffine(device);
    }

    public Preprocessing Preprocessing { get; }

    /// <summary>The model's input for an RGB [0,1] batch: a new tensor, or an alias when the rule changes nothing.</summary>
    public Tensor Apply(Tensor image) => Preprocessing.IsIdentity ? image.alias() : Preprocessing.Apply(image, _multiplier, _offset);

    public void Dispose()
    {
        _multiplier.Dispose();
        _offset.Dispose();
    }
}
