using DeepDream.Sequences;
using DeepDream.Sequences.Flow;

namespace DeepDream.Cli;

/// <summary>
/// <c>video --flow auto|farneback|none</c>. <c>auto</c> (the default) uses Farnebäck optical flow where OpenCV's native
/// library loads and otherwise carries the dream in place, with one warning; an explicit <c>farneback</c> that cannot
/// load is an error (one line, before any dreaming) naming the missing library and the fix.
/// </summary>
internal static class FlowChoice
{
    public const string Auto = "auto";
    public const string Farneback = "farneback";
    public const string None = "none";

    /// <summary>Validates the option's value; throws <see cref="UsageException"/>.</summary>
    public static string Parse(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        return name is Auto or Farneback or None
            ? name
            : throw new UsageException($"Unknown --flow '{text}'; use auto (optical flow where OpenCV loads), farneback or none.");
    }

    /// <summary>The flow to use (null: none), checked to load.</summary>
    /// <exception cref="DependencyMissingException">Farnebäck was asked for explicitly and cannot load.</exception>
    public static IOpticalFlow? Resolve(string name, CliContext context, bool quiet)
    {
        if (name == None) return null;
        var flow = context.FlowFactory?.Invoke() ?? new FarnebackFlow();
        try
        {
            flow.EnsureAvailable();
            return flow;
        }
        catch (DependencyMissingException e) when (name == Auto)
        {
            if (!quiet) context.Error.WriteLine($"warning: {e.Message} Going on without optical flow (the dream is carried in place); --flow none hides this warning.");
            return null;
        }
        catch (DependencyMissingException e)
        {
            throw new DependencyMissingException(e.Message + " Or run without optical flow: --flow none.", e);
        }
    }
}
