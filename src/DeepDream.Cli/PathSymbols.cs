using System.CommandLine;
using System.CommandLine.Parsing;

namespace DeepDream.Cli;

/// <summary>
/// The command-line symbols that take a file or folder path: an empty one (<c>-o ""</c>) is a usage error naming the
/// option, found while parsing, before anything runs (it would otherwise reach the file system as an invalid path, or
/// be taken as "not given").
/// </summary>
internal static class PathSymbols
{
    /// <summary>Refuses an empty path for <paramref name="option"/>.</summary>
    public static Option<T> RefusingEmpty<T>(this Option<T> option)
    {
        option.Validators.Add(result => RefuseEmpty(result, option.Name));
        return option;
    }

    /// <summary>Refuses an empty path (any of them, for several) for <paramref name="argument"/>.</summary>
    public static Argument<T> RefusingEmpty<T>(this Argument<T> argument)
    {
        argument.Validators.Add(result => RefuseEmpty(result, argument.Name));
        return argument;
    }

    private static void RefuseEmpty(SymbolResult result, string name)
    {
        if (result.Tokens.Any(t => t.Value.Length == 0)) result.AddError($"{name} needs a path, got an empty one (\"\").");
    }
}
