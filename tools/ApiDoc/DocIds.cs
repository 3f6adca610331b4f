using System.Reflection;
using System.Text;

namespace DeepDream.ApiDoc;

/// <summary>The documentation comment IDs the C# compiler writes to the XML file (<c>T:</c>, <c>M:</c>, <c>P:</c>, ...).</summary>
internal static class DocIds
{
    public static string Of(MemberInfo member) => member switch
    {
        Type t => "T:" + TypeName(t),
        ConstructorInfo c => $"M:{TypeName(c.DeclaringType!)}.{(c.IsStatic ? "#cctor" : "#ctor")}{Parameters(c.GetParameters())}",
        MethodInfo m => MethodId(m),
        PropertyInfo p => $"P:{TypeName(p.DeclaringType!)}.{p.Name}{Parameters(p.GetIndexParameters())}",
        FieldInfo f => $"F:{TypeName(f.DeclaringType!)}.{f.Name}",
        EventInfo e => $"E:{TypeName(e.DeclaringType!)}.{e.Name}",
        _ => throw new ArgumentException($"No documentation ID for {member.MemberType}.", nameof(member)),
    };

    private static string MethodId(MethodInfo m)
    {
        var sb = new StringBuilder("M:").Append(TypeName(m.DeclaringType!)).Append('.').Append(m.Name);
        if (m.IsGenericMethodDefinition) sb.Append("``").Append(m.GetGenericArguments().Length);
        sb.Append(Parameters(m.GetParameters()));
        if (m.Name is "op_Implicit" or "op_Explicit") sb.Append('~').Append(Reference(m.ReturnType));
        return sb.ToString();
    }

    private static string Parameters(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => Reference(p.ParameterType))) + ")";

    /// <summary>A type's own ID: namespace, outer types and name, with the generic arity (<c>`1</c>).</summary>
    private static string TypeName(Type t)
    {
        return t.IsNested ? TypeName(t.DeclaringType!) + "." + t.Name : (t.Namespace is null ? "" : t.Namespace + ".") + t.Name;
    }

    /// <summary>A type as it appears in a parameter list: generic arguments in braces, <c>`n</c>/<c>``n</c> for type parameters.</summary>
    private static string Reference(Type t)
    {
        if (t.IsByRef) return Reference(t.GetElementType()!) + "@";
        if (t.IsPointer) return Reference(t.GetElementType()!) + "*";
        if (t.IsArray)
        {
            var rank = t.GetArrayRank();
            return Reference(t.GetElementType()!) + (rank == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", rank)) + "]");
        }
        if (t.IsGenericParameter) return (t.DeclaringMethod is null ? "`" : "``") + t.GenericParameterPosition;
        if (t.IsGenericType)
        {
            var definition = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            return Constructed(definition, args);
        }
        return TypeName(t);
    }

    /// <summary>Writes a constructed generic type; nested generic types take their outer types' arguments first.</summary>
    private static string Constructed(Type definition, Type[] args)
    {
        var chain = new List<Type>();
        for (var d = definition; d is not null; d = d.IsNested ? d.DeclaringType : null) chain.Insert(0, d);
        var sb = new StringBuilder(chain[0].Namespace is null ? "" : chain[0].Namespace + ".");
        var used = 0;
        for (var i = 0; i < chain.Count; i++)
        {
            if (i > 0) sb.Append('.');
            var name = chain[i].Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            var own = chain[i].GetGenericArguments().Length - used;
            sb.Append(tick < 0 ? name : name[..tick]);
            if (tick >= 0 && own > 0)
            {
                sb.Append('{').Append(string.Join(",", args.Skip(used).Take(own).Select(Reference))).Append('}');
                used += own;
            }
        }
        return sb.ToString();
    }
}
