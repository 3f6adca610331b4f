// The snippet test's app has a MyApp.Models namespace, as most .NET apps do: a library type or namespace called Models
// would be shadowed by it in every snippet (CS0234), which is what this file guards against.
namespace MyApp.Models;

/// <summary>A stand-in for an app's own model class.</summary>
public sealed record Photo(string Path);
