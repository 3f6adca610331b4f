using DeepDream.Features;
using DeepDream.Sequences.Flow;

namespace DeepDream.Cli;

/// <summary>Where a run writes and what it may substitute; tests build their own.</summary>
/// <param name="Out">stdout: only the <c>--json</c> report (and help text).</param>
/// <param name="Error">stderr: progress, the chosen seed, messages and errors.</param>
/// <param name="ErrorIsTerminal">Whether stderr is a terminal (live progress bar) rather than redirected (plain lines).</param>
/// <param name="ModelFactory">Replaces the library's model factories (tests use tiny models); null in the real tool.</param>
/// <param name="FlowFactory">Replaces the optical flow of <c>video</c> (tests simulate a flow whose native library is missing); null: Farnebäck.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, bool ErrorIsTerminal, Func<ModelRequest, IFeatureExtractor>? ModelFactory = null,
    Func<IOpticalFlow>? FlowFactory = null);
