package migrate

import "fmt"

// policy is an x_authorize policy (plugin/EXTENSIONS.md): every listed condition holds, and at
// least one group of any holds. never marks the policy that no verified token satisfies (an
// Istio rule that only matches requests without a token); it is not written out as such.
type policy struct {
	Claims      []claimCondition `json:"claims,omitempty"`
	ScopesAllOf []string         `json:"scopes_all_of,omitempty"`
	ScopesAnyOf []string         `json:"scopes_any_of,omitempty"`
	Any         []*policy        `json:"any,omitempty"`

	never bool
}

type claimCondition struct {
	Claim     string   `json:"claim,omitempty"`
	ClaimPath []string `json:"claim_path,omitempty"`
	Split     string   `json:"split,omitempty"`
	AnyOf     []string `json:"any_of,omitempty"`
	AllOf     []string `json:"all_of,omitempty"`
	NoneOf    []string `json:"none_of,omitempty"`
	Equals    any      `json:"equals,omitempty"`
	Present   *bool    `json:"present,omitempty"`
}

// maxPolicyGroups bounds what distributing AND over OR may produce.
const maxPolicyGroups = 1024

func always() *policy { return &policy{} }
func never() *policy  { return &policy{never: true} }

func (p *policy) isAlways() bool {
	return !p.never && len(p.Claims) == 0 && len(p.ScopesAllOf) == 0 && len(p.ScopesAnyOf) == 0 && len(p.Any) == 0
}

func (p *policy) size() int {
	n := 1
	for _, g := range p.Any {
		n += g.size()
	}
	return n
}

// and is the conjunction of two policies; the disjunctions of both are distributed when both
// have one.
func and(p, q *policy) (*policy, error) {
	switch {
	case p.never || q.never:
		return never(), nil
	case p.isAlways():
		return q, nil
	case q.isAlways():
		return p, nil
	}
	if len(p.ScopesAnyOf) > 0 && len(q.ScopesAnyOf) > 0 {
		// Two any-of lists cannot share one member: q's goes into a group of its own.
		rest := *q
		rest.ScopesAnyOf = nil
		r, err := and(p, &rest)
		if err != nil {
			return nil, err
		}
		return and(r, &policy{Any: []*policy{{ScopesAnyOf: q.ScopesAnyOf}}})
	}
	r := &policy{
		Claims:      append(append([]claimCondition{}, p.Claims...), q.Claims...),
		ScopesAllOf: append(append([]string{}, p.ScopesAllOf...), q.ScopesAllOf...),
		ScopesAnyOf: append(append([]string{}, p.ScopesAnyOf...), q.ScopesAnyOf...),
	}
	switch {
	case len(p.Any) == 0:
		r.Any = q.Any
	case len(q.Any) == 0:
		r.Any = p.Any
	default:
		if len(p.Any)*len(q.Any) > maxPolicyGroups {
			return nil, fmt.Errorf("the authorization policy would need more than %d groups", maxPolicyGroups)
		}
		for _, g := range p.Any {
			c, err := and(g, &policy{Any: q.Any})
			if err != nil {
				return nil, err
			}
			r.Any = append(r.Any, c)
		}
	}
	if r.size() > maxPolicyGroups {
		return nil, fmt.Errorf("the authorization policy would need more than %d groups", maxPolicyGroups)
	}
	return r, nil
}

// or is the disjunction of policies.
func or(ps ...*policy) *policy {
	var groups []*policy
	for _, p := range ps {
		switch {
		case p.never:
			continue
		case p.isAlways():
			return always()
		}
		groups = append(groups, p)
	}
	switch len(groups) {
	case 0:
		return never()
	case 1:
		return groups[0]
	}
	return &policy{Any: groups}
}

// not is the negation, for policies built of any_of, none_of and present conditions.
func not(p *policy) (*policy, error) {
	switch {
	case p.never:
		return always(), nil
	case p.isAlways():
		return never(), nil
	}
	if len(p.ScopesAllOf) > 0 || len(p.ScopesAnyOf) > 0 {
		return nil, fmt.Errorf("scope conditions cannot be negated")
	}
	var alts []*policy
	for _, c := range p.Claims {
		n := c
		n.AnyOf, n.NoneOf = c.NoneOf, c.AnyOf
		switch {
		case c.Present != nil:
			v := !*c.Present
			n.Present = &v
		case len(c.AnyOf) == 0 && len(c.NoneOf) == 0:
			return nil, fmt.Errorf("only any_of, none_of and present conditions can be negated")
		}
		alts = append(alts, &policy{Claims: []claimCondition{n}})
	}
	if len(p.Any) > 0 {
		acc := always()
		for _, g := range p.Any {
			ng, err := not(g)
			if err != nil {
				return nil, err
			}
			if acc, err = and(acc, ng); err != nil {
				return nil, err
			}
		}
		alts = append(alts, acc)
	}
	return or(alts...), nil
}

// written is the policy as it goes into the configuration: never becomes two contradicting
// conditions on iss (a token that both has and lacks iss does not exist).
func (p *policy) written() *policy {
	if !p.never {
		return p
	}
	t, f := true, false
	return &policy{Claims: []claimCondition{{Claim: "iss", Present: &t}, {Claim: "iss", Present: &f}}}
}
