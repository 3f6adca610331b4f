using System.CommandLine;
using System.Globalization;
using DeepDream.Diagnostics;
using DeepDream.Features;

namespace DeepDream.Cli;

/// <summary><c>deepdream layers [--model NAME|PATH] [--arch NAME] [--size WxH]</c>: the model's layers as a table.</summary>
internal static class LayersCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var size = new Option<string>("--size")
        {
            Description = "Input size for the shapes, WIDTHxHEIGHT.",
            DefaultValueFactory = _ => "224x224",
            HelpName = "WxH",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Stack traces on errors." };
        var command = new Command("layers", "List a model's layers with their output shapes and channel counts.");
        model.AddTo(command);
        command.Options.Add(size);
        command.Options.Add(verbose);
        command.SetAction((result, cancellationToken) =>
        {
            var isVerbose = result.GetValue(verbose);
            try
            {
                var request = ModelResolver.Resolve(model.Read(result));
                var (width, height) = ValueParsers.ParseSize(result.GetRequiredValue(size), "--size");
                // Loading and running a crafted model may take long: Ctrl-C ends the wait at once.
                var table = Interruptible.Run(() =>
                {
                    using var extractor = ModelResolver.Load(request, context.ModelFactory);
                    return FormatTable(extractor.Name, width, height, extractor.ListLayers(width, height), extractor.DefaultLayer);
                }, cancellationToken);
                context.Out.Write(table);
                context.Out.Flush();
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Task.FromResult(ErrorReporter.Report(e, context.Error, isVerbose, cancellationToken));
            }
        });
        return command;
    }

    /// <summary>
    /// A fixed-width table: LAYER, SHAPE (N×C×H×W, "input too small", or "fixed size: only at W×H"), CHANNELS; the header
    /// names the default dream layer.
    /// </summary>
    internal static string FormatTable(string modelName, int width, int height, IReadOnlyList<LayerInfo> layers, string? defaultLayer = null)
    {
        var rows = layers.Select(l => (l.Name,
            Shape: l.Shape.Count > 0 ? string.Join("x", l.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))
                : l.FixedInputSize is var (w, h) ? string.Create(CultureInfo.InvariantCulture, $"(fixed size: only at {w}x{h})") : "(input too small)",
            Channels: l.Shape.Count == 0 ? "-" : l.Channels.ToString(CultureInfo.InvariantCulture))).ToList();
        var nameWidth = Math.Max("LAYER".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
        var shapeWidth = Math.Max("SHAPE".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Shape.Length));
        var sb = new System.Text.StringBuilder();
        var dreamLayer = defaultLayer is null ? "no default dream layer (pass --layer)" : "default dream layer " + defaultLayer;
        sb.Append(CultureInfo.InvariantCulture, $"# {modelName}, input {width}x{height}, {Wording.Count(layers.Count, "layer")}, {dreamLayer}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{"LAYER".PadRight(nameWidth)}  {"SHAPE".PadRight(shapeWidth)}  CHANNELS\n");
        foreach (var (name, shape, channels) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{name.PadRight(nameWidth)}  {shape.PadRight(shapeWidth)}  {channels}\n");
        return sb.ToString();
    }
}
