package host

// proxy_get_shared_data(key, key_size, return_value, return_value_size, return_cas):
// exports.cc get_shared_data, cpp-host SharedData::get. Missing key: NotFound.
func proxyGetSharedData(v *vm, s []uint64) Status {
	key, ok := v.readString(u32(s[0]), u32(s[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	val, cas, st := v.h.shared.get(key)
	if st != StatusOK {
		return st
	}
	if !v.copyOut(val, u32(s[2]), u32(s[3])) || !v.writeU32(u32(s[4]), cas) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_set_shared_data(key, key_size, value, value_size, cas): SharedData::set (cas 0 is
// unconditional, a stale cas is CasMismatch).
func proxySetSharedData(v *vm, s []uint64) Status {
	key, ok1 := v.readString(u32(s[0]), u32(s[1]))
	val, ok2 := v.read(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	return v.h.shared.set(key, val, u32(s[4]))
}

// proxy_register_shared_queue(name, name_size, return_token): ContextBase::registerSharedQueue.
// proxy_on_queue_ready goes to this VM's root context (for a stream, its parent).
func proxyRegisterSharedQueue(v *vm, s []uint64) Status {
	name, ok := v.readString(u32(s[0]), u32(s[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if v.root == nil {
		return StatusBadArgument
	}
	tok := v.h.shared.register(v.h.opts.VMID, name, v.index, v.root.id)
	if !v.writeU32(u32(s[2]), tok) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_resolve_shared_queue(vm_id, vm_id_size, name, name_size, return_token):
// ContextBase::lookupSharedQueue; an empty vm_id means this VM's.
func proxyResolveSharedQueue(v *vm, s []uint64) Status {
	vmID, ok1 := v.readString(u32(s[0]), u32(s[1]))
	name, ok2 := v.readString(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	if vmID == "" {
		vmID = v.h.opts.VMID
	}
	tok, found := v.h.shared.resolve(vmID, name)
	if !found {
		return StatusNotFound
	}
	if !v.writeU32(u32(s[4]), tok) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_dequeue_shared_queue(token, return_data, return_size): SharedQueue::dequeue (unknown
// token NotFound, empty queue Empty).
func proxyDequeueSharedQueue(v *vm, s []uint64) Status {
	val, st := v.h.shared.dequeue(u32(s[0]))
	if st != StatusOK {
		return st
	}
	if !v.copyOut(val, u32(s[1]), u32(s[2])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_enqueue_shared_queue(token, data, size): SharedQueue::enqueue; the registrant's
// proxy_on_queue_ready runs after the current call, as Envoy posts it to its thread.
func proxyEnqueueSharedQueue(v *vm, s []uint64) Status {
	val, ok := v.read(u32(s[1]), u32(s[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	return v.h.shared.enqueue(u32(s[0]), val)
}
