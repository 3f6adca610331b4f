using DeepDream.Features;

namespace DeepDream.Cli;

/// <summary>Where a run writes and what it may substitute; tests build their own.</summary>
/// <param name="Out">stdout: only the <c>--json</c> report (and help text).</param>
/// <param name="Error">stderr: progress, the chosen seed, messages and errors.</param>
/// <param name="ErrorIsTerminal">Whether stderr is a terminal (live progress bar) rather than redirected (plain lines).</param>
/// <param name="ModelFactory">Replaces the library's model factories (tests use tiny models); null in the real tool.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, bool ErrorIsTerminal, Func<ModelRequest, IFeatureExtractor>? ModelFactory = null);
