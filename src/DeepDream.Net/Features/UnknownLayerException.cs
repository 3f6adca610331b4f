namespace DeepDream.Features;

/// <summary>
/// A layer name is not one of the model's. The message lists the valid names (the first 40 of them); the properties
/// carry the details for tools that want to say more.
/// </summary>
public class UnknownLayerException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public UnknownLayerException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public UnknownLayerException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public UnknownLayerException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a layer that <paramref name="model"/> does not have.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="layer">The name asked for.</param>
    /// <param name="validLayers">Every name the model accepts, in forward order.</param>
    /// <param name="paramName">The parameter that carried the name.</param>
    public UnknownLayerException(string model, string? layer, IReadOnlyList<string> validLayers, string? paramName = null)
        : base(LayerNameErrors.UnknownLayer(model, layer, validLayers ?? []), paramName)
    {
        Model = model;
        Layer = layer;
        ValidLayers = validLayers ?? [];
    }

    /// <summary>The model's name (null when created without details).</summary>
    public string? Model { get; }

    /// <summary>The unknown name (null when created without details).</summary>
    public string? Layer { get; }

    /// <summary>Every name the model accepts, in forward order (empty when created without details).</summary>
    public IReadOnlyList<string> ValidLayers { get; } = [];
}
