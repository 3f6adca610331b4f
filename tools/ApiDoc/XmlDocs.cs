using System.Reflection;
using System.Xml.Linq;

namespace DeepDream.ApiDoc;

/// <summary>
/// The XML documentation of one assembly, with <c>&lt;inheritdoc/&gt;</c> resolved against base classes and implemented
/// interfaces of the same assembly (the compiler leaves it unexpanded).
/// </summary>
internal sealed class XmlDocs
{
    private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);

    public XmlDocs(string xmlPath)
    {
        var doc = XDocument.Load(xmlPath, LoadOptions.PreserveWhitespace);
        foreach (var member in doc.Descendants("member"))
        {
            if (member.Attribute("name")?.Value is { } name) _members[name] = member;
        }
    }

    /// <summary>The documentation of a member after inheritance, or null when it has none.</summary>
    /// <param name="member">The type or member.</param>
    /// <param name="inheritedFrom">Where an unresolved <c>inheritdoc</c> points (a member outside this assembly), or null.</param>
    public XElement? For(MemberInfo member, out MemberInfo? inheritedFrom)
    {
        inheritedFrom = null;
        _members.TryGetValue(DocIds.Of(member), out var own);
        if (own is null || own.Element("inheritdoc") is null) return own;

        var merged = new XElement(own);
        merged.Elements("inheritdoc").Remove();
        foreach (var source in Bases(member))
        {
            var inherited = For(source, out var further);
            if (inherited is null)
            {
                inheritedFrom ??= further ?? source;
                continue;
            }
            foreach (var element in inherited.Elements())
            {
                var key = Key(element);
                if (element.Name == "exception" || !merged.Elements(element.Name).Any(e => Key(e) == key)) merged.Add(new XElement(element));
            }
            inheritedFrom = null;
            break;
        }
        // Own exceptions first, then inherited ones that name other exception types.
        var exceptions = merged.Elements("exception").ToList();
        exceptions.Remove();
        foreach (var group in exceptions.GroupBy(e => (string?)e.Attribute("cref")))
            merged.Add(group.First());
        return merged;
    }

    private static string Key(XElement e) => e.Name.LocalName + "|" + (string?)e.Attribute("name") + "|" + (string?)e.Attribute("cref");

    /// <summary>The members a member's documentation may be inherited from: overridden base members, then interface members.</summary>
    private static IEnumerable<MemberInfo> Bases(MemberInfo member)
    {
        switch (member)
        {
            case Type t:
                if (t.BaseType is { } b && b != typeof(object)) yield return b;
                foreach (var i in t.GetInterfaces()) yield return i;
                break;
            case MethodInfo m:
                var baseDefinition = m.GetBaseDefinition();
                if (baseDefinition != m) yield return baseDefinition;
                foreach (var i in InterfaceMethods(m)) yield return i;
                break;
            case PropertyInfo p:
                var accessor = p.GetMethod ?? p.SetMethod;
                if (accessor is null) break;
                var baseAccessor = accessor.GetBaseDefinition();
                if (baseAccessor != accessor && PropertyOf(baseAccessor) is { } baseProperty) yield return baseProperty;
                foreach (var i in InterfaceMethods(accessor))
                    if (PropertyOf(i) is { } ip) yield return ip;
                break;
        }
    }

    private static IEnumerable<MethodInfo> InterfaceMethods(MethodInfo m)
    {
        var type = m.DeclaringType!;
        if (type.IsInterface) yield break;
        foreach (var i in type.GetInterfaces())
        {
            var map = type.GetInterfaceMap(i);
            for (var k = 0; k < map.TargetMethods.Length; k++)
                if (map.TargetMethods[k] == m) yield return map.InterfaceMethods[k];
        }
    }

    private static PropertyInfo? PropertyOf(MethodInfo accessor) =>
        accessor.DeclaringType!.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .FirstOrDefault(p => p.GetMethod == accessor || p.SetMethod == accessor);
}
