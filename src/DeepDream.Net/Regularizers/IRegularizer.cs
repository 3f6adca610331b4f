using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>
/// A transform applied around each step (Lucid's "transforms"): the model sees <see cref="IRegularizerStep.Apply"/> of the
/// image, and the update computed there is mapped back with <see cref="IRegularizerStep.Invert"/> before it is added.
/// Random parameters come only from the run's seeded generator.
/// </summary>
public interface IRegularizer
{
    /// <summary>Draws this step's parameters from <paramref name="random"/> and returns the step's transform.</summary>
    /// <param name="random">The run's seeded generator.</param>
    IRegularizerStep Sample(Random random);

    /// <summary>
    /// The smallest factor by which <see cref="IRegularizerStep.Apply"/> may shrink the image's sides (1 for transforms
    /// that keep the size, the default). The dream keeps every octave large enough that the shrunk image still meets the
    /// model's minimum size.
    /// </summary>
    double MinimumScale => 1.0;
}

/// <summary>One step's transform, with its random parameters fixed.</summary>
public interface IRegularizerStep
{
    /// <summary>Maps the image to what the model sees; returns a new tensor.</summary>
    /// <param name="image">N×3×H×W image; not modified.</param>
    Tensor Apply(Tensor image);

    /// <summary>Maps an update computed on the transformed image back to image coordinates; returns a new tensor.</summary>
    /// <param name="update">The update in transformed coordinates; not modified.</param>
    Tensor Invert(Tensor update);
}
