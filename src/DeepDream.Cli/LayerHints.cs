using DeepDream.Features;

namespace DeepDream.Cli;

/// <summary>
/// The CLI's side of layer errors: the library's messages say what is wrong; these add how to see the layers from the
/// command line (<c>deepdream layers</c> with the same model options).
/// </summary>
internal static class LayerHints
{
    /// <summary>The model's default dream layer, or a usage error that says there is none and how to list the layers.</summary>
    /// <exception cref="UsageException">The model has no default layer.</exception>
    public static string DefaultLayerOf(IFeatureExtractor model, ModelRequest request) =>
        model.DefaultLayer ?? throw new UsageException(
            $"The model '{model.Name}' has no default dream layer; choose one with --layer (list them with `{LayersCommandLine(request)}`).");

    /// <summary>A usage error for a setup the library rejected, with the listing hint when a layer name is unknown.</summary>
    public static UsageException ForRejectedSetup(ArgumentException e, ModelRequest request) => e is UnknownLayerException
        ? new UsageException($"{DreamRunner.CleanMessage(e)} List every layer with `{LayersCommandLine(request)}`.", e)
        : new UsageException(DreamRunner.CleanMessage(e), e);

    /// <summary>The <c>deepdream layers</c> command line for the same model.</summary>
    internal static string LayersCommandLine(ModelRequest request) => request.Source switch
    {
        ModelSource.Embedded => "deepdream layers",
        ModelSource.Onnx => $"deepdream layers --model {Quote(request.Path!)}",
        _ => $"deepdream layers --model {Quote(request.Path!)} --arch {request.Architecture}",
    };

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;
}
